import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { userPseudonym } from '../src'

const SECRET = 'a-secret-of-at-least-32-characters-0123'

describe('userPseudonym', () => {
  it('is stable per key, differs between keys and ids, and is not the plain hash', () => {
    const pseudonym = userPseudonym(SECRET)
    assert.match(pseudonym(42), /^[0-9a-f]{16}$/)
    assert.equal(pseudonym(42), userPseudonym(SECRET)(42))
    assert.notEqual(pseudonym(42), pseudonym(43))
    assert.notEqual(pseudonym(42), userPseudonym(`${SECRET}x`)(42))
    assert.notEqual(pseudonym(42), createHash('sha256').update('42').digest('hex').slice(0, 16))
  })

  it('cannot be reversed without the key by hashing every small id', () => {
    const wanted = userPseudonym(SECRET)(1234)
    const plain = (id: number) => createHash('sha256').update(String(id)).digest('hex').slice(0, 16)
    for (let id = 1; id <= 10_000; id++) assert.notEqual(plain(id), wanted)
  })
})

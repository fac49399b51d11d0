import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { Span } from '@opentelemetry/api'
import { userPseudonym, userTagger } from '../src'

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

describe('userTagger', () => {
  it("puts the user's pseudonym, never the id, on the span it is given", () => {
    const attributes: Record<string, unknown> = {}
    const span = { setAttribute: (key: string, value: unknown) => (attributes[key] = value) }
    userTagger(SECRET)(42, span as unknown as Span)
    assert.deepEqual(attributes, { 'user.id': userPseudonym(SECRET)(42) })
  })

  it('does nothing outside a span', () => {
    assert.doesNotThrow(() => userTagger(SECRET)(42))
  })
})

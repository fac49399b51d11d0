import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { validateHeaderValue } from 'node:http'
import { safeNext } from '../src/session'

// What browsers treat specially around a URL's start, its host and its path.
const PIECES = [
  '/',
  '/',
  '\\',
  '\t',
  '\n',
  '\r',
  ' ',
  '.',
  '..',
  ':',
  '@',
  '%',
  '#',
  '?',
  'e.x',
  '%2F',
  '%5C',
  '%09',
  '%0a',
  '%2e',
  '\u0000',
  '\u00a0',
  '\uff0f',
  '\u3002',
  '\u{1F600}',
  'http:',
  'https://',
  'javascript:',
  '\ud800',
]

/** A seeded generator: the same strings on every run. */
function* strings(count: number, seed = 24): Generator<string> {
  let state = seed
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31)
  for (let i = 0; i < count; i++) {
    let s = next() % 4 === 0 ? '' : '/'
    for (let n = next() % 7; n >= 0; n--) s += PIECES[next() % PIECES.length]
    yield s
  }
}

describe('safeNext', () => {
  it('answers / or a path that a browser resolves on the shop, as a valid header', () => {
    const origin = 'https://shop.example'
    for (const next of strings(20_000)) {
      const out = safeNext(next)
      if (out === '/') continue
      const label = JSON.stringify({ next, out })
      assert.doesNotThrow(() => validateHeaderValue('location', out), label)
      assert.equal(new URL(out, `${origin}/login`).origin, origin, label)
      assert.ok(out.startsWith('/') && !/^\/[/\\]/.test(out), label)
      assert.equal(safeNext(out), out, `stable: ${label}`)
    }
  })
})

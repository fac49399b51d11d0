import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { TraceState } from '@opentelemetry/core'
import {
  GRANT_TRACESTATE_KEY,
  incomingGrant,
  MAX_GENERATION,
  MAX_USES,
  TraceGrants,
  TTL_SECONDS,
} from '../src/trace-grants'

const SECRET = 'a-session-secret-of-at-least-32-characters'
const page = (sampled = true) => ({
  traceId: randomBytes(16).toString('hex'),
  spanId: randomBytes(8).toString('hex'),
  traceFlags: sampled ? 1 : 0,
})
/** A browser trace's first request: a new trace with the grant in its tracestate. */
const parentWith = (grant: string | undefined) => ({
  ...page(),
  isRemote: true,
  traceState: grant ? new TraceState(`${GRANT_TRACESTATE_KEY}=${grant}`) : undefined,
})

describe('page grants', () => {
  it('are only issued for a sampled page', () => {
    const grants = new TraceGrants(SECRET)
    assert.equal(grants.issue(page(false), undefined), undefined)
    assert.match(
      grants.issue(page(), undefined) ?? '',
      /^[0-9a-f]{32}\.0\.[0-9a-z]+\.[0-9a-f]{32}$/,
    )
  })

  it(`are honoured ${MAX_USES} times (a form post and its redirect), then no more`, () => {
    const grants = new TraceGrants(SECRET)
    const grant = grants.issue(page(), undefined)
    const answers = Array.from({ length: MAX_USES + 2 }, () => grants.honour(parentWith(grant)))
    assert.deepEqual(answers, [...Array(MAX_USES).fill(true), false, false])
  })

  it('are refused when forged, from another key, stale, from the future or absent', () => {
    let now = Date.now()
    const grants = new TraceGrants(SECRET, () => now)
    const grant = grants.issue(page(), undefined) ?? ''
    const flipped = grant.replace(/.$/, (c) => (c === '0' ? '1' : '0'))
    const otherTrace = `${randomBytes(16).toString('hex')}${grant.slice(32)}`
    assert.equal(grants.honour(parentWith(flipped)), false)
    assert.equal(grants.honour(parentWith(otherTrace)), false)
    assert.equal(
      grants.honour(parentWith(new TraceGrants('b'.repeat(32)).issue(page(), undefined))),
      false,
    )
    assert.equal(grants.honour(parentWith(undefined)), false)
    assert.equal(grants.honour(parentWith('not-a-grant')), false)
    const later = new TraceGrants(SECRET, () => now + (TTL_SECONDS + 1) * 1000)
    assert.equal(later.honour(parentWith(grant)), false)
    now += 10 * 60_000 // issued ten minutes ahead of a replica whose clock says now - 10 min
    const ahead = grants.issue(page(), undefined)
    assert.equal(new TraceGrants(SECRET).honour(parentWith(ahead)), false)
    // Within the TTL the grant still holds.
    assert.equal(
      new TraceGrants(SECRET, () => Date.now() + (TTL_SECONDS - 5) * 1000).honour(
        parentWith(grant),
      ),
      true,
    )
  })

  it(`pass on to one page each, and end after ${MAX_GENERATION} pages reached through one`, () => {
    const grants = new TraceGrants(SECRET)
    let grant = grants.issue(page(), undefined)
    const generations: number[] = []
    while (grant) {
      generations.push(Number(grant.split('.')[1]))
      // The form post and the redirect's page, as the browser sends them.
      assert.equal(grants.honour(parentWith(grant)), true)
      assert.equal(grants.honour(parentWith(grant)), true)
      const next = grants.issue(page(), grant)
      assert.equal(grants.issue(page(), grant), undefined, 'a second page from the same grant')
      grant = next
    }
    assert.deepEqual(
      generations,
      Array.from({ length: MAX_GENERATION + 1 }, (_, i) => i),
    )
  })

  it('start no chain from a grant that was not honoured here, nor from a forged one', () => {
    const grants = new TraceGrants(SECRET)
    const grant = grants.issue(page(), undefined)
    // Valid, but its requests were not sampled through it here (another replica, flag 00).
    assert.equal(grants.issue(page(), grant), undefined)
    // A forged one is no grant at all: the page starts its own chain.
    assert.match(grants.issue(page(), 'f'.repeat(32) + '.1.abc.' + '0'.repeat(32)) ?? '', /\.0\./)
  })

  it('are read from the shopscope member of a tracestate header', () => {
    assert.equal(incomingGrant('vendor=1,shopscope=abc, other=2'), 'abc')
    assert.equal(incomingGrant(['vendor=1', 'shopscope=def']), 'def')
    assert.equal(incomingGrant(undefined), undefined)
    assert.equal(incomingGrant('shopscopex=1'), undefined)
  })
})

import { createHmac, timingSafeEqual } from 'node:crypto'
import type { SpanContext } from '@opentelemetry/api'

/**
 * Page grants: how a trace started in the browser keeps the sampling decision the frontend took
 * for the page it started on (docs/telemetry.md, "Traces from the browser").
 *
 * The frontend does not trust a caller's sampled flag (telemetry's untrusted-parent sampler):
 * anyone could have every request traced. But the browser only samples a click when the page it
 * clicked on was sampled, and then the server must sample the click's requests too, or the
 * trace falls apart. So a sampled page carries a grant (a meta tag), signed with a key derived
 * from SESSION_SECRET (every replica has it); the browser puts it in its trace's `tracestate`,
 * and the sampler keeps the sampled flag of a request that brings a valid grant, within bounds:
 *  - a grant is only issued for a page whose server span was sampled: getting one costs on
 *    average 1/ratio page loads;
 *  - it is honoured for MAX_USES requests (a form post and the page it redirects to) per
 *    replica, for TTL_SECONDS after the page;
 *  - the page reached through a grant gets a grant one generation later, once per grant, up to
 *    MAX_GENERATION: add to cart, then check out from the cart, and the chain ends.
 * One sampled page therefore buys at most MAX_USES × (MAX_GENERATION + 1) traced requests per
 * replica (each counts on its own): a client cannot push its share of traced requests much
 * above the ratio, let alone to 100 %.
 */
export const GRANT_TRACESTATE_KEY = 'shopscope'
export const TTL_SECONDS = 10 * 60
export const MAX_USES = 2
export const MAX_GENERATION = 2
/** Grants being counted at once; past it new ones are refused (sampled at the ratio instead). */
const MAX_TRACKED = 10_000
const MAC_HEX = 32

interface Grant {
  traceId: string
  generation: number
  issued: number
  mac: string
}

const GRANT = /^([0-9a-f]{32})\.([0-9])\.([0-9a-z]{1,10})\.([0-9a-f]{32})$/

function parse(value: string | undefined): Grant | undefined {
  const match = GRANT.exec(value ?? '')
  if (!match) return undefined
  const [, traceId, generation, issued, mac] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ]
  return { traceId, generation: Number(generation), issued: parseInt(issued, 36), mac }
}

export class TraceGrants {
  private readonly key: Buffer
  /** Per grant seen: how often it was honoured, until when, whether its page's grant exists. */
  private readonly uses = new Map<
    string,
    { count: number; expires: number; childIssued: boolean }
  >()

  constructor(
    sessionSecret: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.key = createHmac('sha256', sessionSecret).update('shopscope trace grants').digest()
  }

  private mac(traceId: string, generation: number, issued: number): string {
    return createHmac('sha256', this.key)
      .update(`${traceId}.${generation}.${issued}`)
      .digest('hex')
      .slice(0, MAC_HEX)
  }

  private seconds(): number {
    return Math.floor(this.now() / 1000)
  }

  /** A grant is signed and fresh (its use count aside). */
  private verified(value: string | undefined): Grant | undefined {
    const grant = parse(value)
    if (!grant) return undefined
    const age = this.seconds() - grant.issued
    // A little clock skew between replicas is tolerated; a grant from the future is not.
    if (age < -60 || age > TTL_SECONDS) return undefined
    const expected = Buffer.from(this.mac(grant.traceId, grant.generation, grant.issued))
    return timingSafeEqual(expected, Buffer.from(grant.mac)) ? grant : undefined
  }

  /**
   * The grant for a page whose server span is `page`, none for an unsampled one. `incoming` is
   * the grant the request brought (its tracestate): a page reached through one that was
   * honoured here gets the next generation, once per grant and up to MAX_GENERATION, and
   * otherwise none (a page sampled at the ratio starts a chain only without a grant).
   */
  issue(page: SpanContext, incoming: string | undefined): string | undefined {
    if ((page.traceFlags & 1) === 0) return undefined
    const parent = this.verified(incoming)
    let generation = 0
    if (parent && incoming) {
      const entry = this.uses.get(incoming)
      if (!entry || entry.childIssued || parent.generation >= MAX_GENERATION) return undefined
      entry.childIssued = true
      generation = parent.generation + 1
    }
    const issued = this.seconds()
    const mac = this.mac(page.traceId, generation, issued)
    return `${page.traceId}.${generation}.${issued.toString(36)}.${mac}`
  }

  /** The sampler's question (telemetry's PARENT_VOUCHER): keep this remote parent's flag? */
  honour(parent: SpanContext): boolean {
    const value = parent.traceState?.get(GRANT_TRACESTATE_KEY)
    const grant = this.verified(value)
    if (!grant || !value) return false
    const now = this.seconds()
    let entry = this.uses.get(value)
    if (!entry) {
      if (this.uses.size >= MAX_TRACKED) this.sweep(now)
      if (this.uses.size >= MAX_TRACKED) return false
      entry = { count: 0, expires: grant.issued + TTL_SECONDS, childIssued: false }
      this.uses.set(value, entry)
    }
    if (entry.count >= MAX_USES) return false
    entry.count++
    return true
  }

  private sweep(now: number): void {
    for (const [value, entry] of this.uses) if (entry.expires < now) this.uses.delete(value)
  }
}

/** The grant a request brought: the `shopscope` member of its tracestate header. */
export function incomingGrant(tracestate: string | string[] | undefined): string | undefined {
  const header = Array.isArray(tracestate) ? tracestate.join(',') : (tracestate ?? '')
  for (const member of header.split(',')) {
    const [key, value] = member.trim().split('=', 2)
    if (key === GRANT_TRACESTATE_KEY) return value
  }
  return undefined
}

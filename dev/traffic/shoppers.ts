// Shoppers in a loop through the shop's front door, as people would keep shopping while the
// cluster is changed under them: the helm upgrade test (browse and fill carts, zero failures
// expected) and `make chaos-node` (also check out, every acknowledged order audited after). The
// pages and the password are the scenario's (scenario.json), as Locust's shoppers use them.
import { randomBytes } from 'node:crypto'
import { Browser } from './browser'
import { page, scenario } from './scenario'

/** One request a shopper made; `error` when it failed (its first line). */
export type ShopperRequest = { at: number; step: string; error?: string }

/** An order the shop acknowledged: the checkout answered with the order's page. */
export type AcknowledgedOrder = { id: number; email: string; at: number }

export interface ShoppingOptions {
  /** The shop, e.g. http://127.0.0.1:8080. */
  baseUrl: string
  shoppers: number
  /** Names their accounts: `<label>-<time>-<n>@<the scenario's email domain>`. */
  label: string
  /** Also check the cart out in every round (one unit of one product). */
  checkOut: boolean
  /** The product a shopper puts in the cart in a round; default: product 2. */
  product?: (shopper: number, round: number) => string
  /** Think time between rounds; default none. */
  pauseMs?: number
  /** Each request's timeout; default none (fetch's own). */
  requestTimeoutMs?: number
}

const ORDER_PAGE = new RegExp(`^${page('order', '(\\d+)')}$`)

/** After a failed request: no tight loop of failures against a shop that is down. */
const PAUSE_AFTER_FAILURE_MS = 1_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const firstLine = (err: unknown) =>
  ((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '').slice(0, 160)

/** Starts the shoppers at once; they shop round after round until stop(). */
export class Shoppers {
  readonly requests: ShopperRequest[] = []
  readonly orders: AcknowledgedOrder[] = []
  /** Checkout forms submitted per shopper (whatever came back): the most orders each can have. */
  readonly checkoutsSubmitted = new Map<string, number>()
  /** Checkouts answered with the cart or the orders page and a notice (out of stock, say). */
  rejectedCheckouts = 0
  readonly emails: string[]
  private stopped = false
  private readonly running: Promise<void>[]

  constructor(private readonly options: ShoppingOptions) {
    const started = Date.now()
    this.emails = Array.from(
      { length: options.shoppers },
      (_, n) => `${options.label}-${started}-${n}@${scenario.shopper.emailDomain}`,
    )
    this.running = this.emails.map((email, n) => this.shop(n, email))
  }

  /** Ends every shopper after its current request. */
  async stop(): Promise<void> {
    this.stopped = true
    await Promise.all(this.running)
  }

  get ok(): number {
    return this.requests.filter((r) => r.error === undefined).length
  }

  /** `<time> <step>: <reason>` of every failed request. */
  failures(from = 0, to = Infinity): string[] {
    return this.requests
      .filter((r) => r.error !== undefined && r.at >= from && r.at <= to)
      .map((r) => {
        // The Browser's errors name the request already.
        const what = r.error!.startsWith(r.step) ? r.error : `${r.step}: ${r.error}`
        return `${new Date(r.at).toISOString()} ${what}`
      })
  }

  /** Requests that succeeded and failed between two times (ms since the epoch). */
  between(from: number, to: number): { ok: number; failed: number } {
    const inside = this.requests.filter((r) => r.at >= from && r.at <= to)
    const failed = inside.filter((r) => r.error !== undefined).length
    return { ok: inside.length - failed, failed }
  }

  /** Runs a request; false when it failed (recorded), so the round stops there. */
  private async attempt(step: string, request: () => Promise<unknown>): Promise<boolean> {
    try {
      await request()
      this.requests.push({ at: Date.now(), step })
      return true
    } catch (err) {
      this.requests.push({ at: Date.now(), step, error: firstLine(err) })
      return false
    }
  }

  private async shop(n: number, email: string): Promise<void> {
    const { baseUrl, checkOut, pauseMs = 0, requestTimeoutMs } = this.options
    // Not sampled: this traffic need not fill Jaeger.
    const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`
    const browser = new Browser(baseUrl, traceparent, requestTimeoutMs)
    const register = page('register')
    let signedUp = false
    for (let round = 0; !this.stopped; round++) {
      const completed = signedUp
        ? await this.round(browser, email, this.options.product?.(n, round) ?? '2', checkOut)
        : (signedUp =
            (await this.attempt(`GET ${register}`, () => browser.get(register))) &&
            (await this.attempt(`POST ${register}`, () =>
              browser.post(register, {
                name: `${this.options.label} ${n}`,
                email,
                password: scenario.shopper.password,
              }),
            )))
      const pause = completed ? pauseMs : Math.max(pauseMs, PAUSE_AFTER_FAILURE_MS)
      if (pause > 0 && !this.stopped) await sleep(pause)
    }
  }

  /** Browse, add to the cart, (check out); false at the first failed request. */
  private async round(browser: Browser, email: string, product: string, checkOut: boolean) {
    const get = (path: string) => this.attempt(`GET ${path}`, () => browser.get(path))
    const cartItems = page('cartItems')
    const browsed =
      (await get(page('home'))) &&
      (await get(page('product', product))) &&
      (await this.attempt(`POST ${cartItems}`, () =>
        browser.post(cartItems, { productId: product, quantity: '1' }),
      )) &&
      (await get(page('cart')))
    if (!browsed || !checkOut) return browsed
    const checkout = page('checkout')
    if (!(await get(checkout))) return false
    return this.attempt(`POST ${checkout}`, async () => {
      const form = { idempotencyKey: browser.field('idempotencyKey') }
      this.checkoutsSubmitted.set(email, (this.checkoutsSubmitted.get(email) ?? 0) + 1)
      const location = await browser.post(checkout, form)
      const id = ORDER_PAGE.exec(location)?.[1]
      if (id) this.orders.push({ id: Number(id), email, at: Date.now() })
      else this.rejectedCheckouts++
    })
  }
}

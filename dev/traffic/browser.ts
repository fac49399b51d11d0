import { page, scenario } from './scenario'

/**
 * A minimal browser over real HTTP: keeps cookies, reads the CSRF token and hidden fields of the
 * page it got, posts forms without following redirects. Every request carries `traceparent`, as
 * a browser instrumented with one span per user action would.
 */
export class Browser {
  private readonly cookies = new Map<string, string>()
  private lastPage = ''

  /** `timeoutMs`: each request aborted after it (a shop that lost a node may never answer). */
  constructor(
    private readonly baseUrl: string,
    private readonly traceparent: string,
    private readonly timeoutMs?: number,
  ) {}

  private signal(): AbortSignal | undefined {
    return this.timeoutMs === undefined ? undefined : AbortSignal.timeout(this.timeoutMs)
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    return { traceparent: this.traceparent, ...(cookie ? { cookie } : {}), ...extra }
  }

  private keep(res: Response): Response {
    for (const header of res.headers.getSetCookie()) {
      const [pair = ''] = header.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at)
      const value = pair.slice(at + 1)
      if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(header)) {
        this.cookies.delete(name)
      } else this.cookies.set(name, value)
    }
    return res
  }

  /** A hidden field of the last page fetched, e.g. `_csrf` or `idempotencyKey`. */
  field(name: string): string {
    const match = new RegExp(`name="${name}" value="([^"]+)"`).exec(this.lastPage)
    if (!match?.[1]) throw new Error(`no ${name} field on the last page`)
    return match[1]
  }

  async get(path: string): Promise<Response> {
    const res = this.keep(
      await fetch(`${this.baseUrl}${path}`, { headers: this.headers(), signal: this.signal() }),
    )
    this.lastPage = await res.text()
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`)
    return res
  }

  /** Posts a form of the last page (its CSRF token included); expects the 303 that follows. */
  async post(path: string, form: Record<string, string>): Promise<string> {
    const body = new URLSearchParams({ ...form, _csrf: this.field('_csrf') })
    const res = this.keep(
      await fetch(`${this.baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        signal: this.signal(),
        headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
        body,
      }),
    )
    const text = await res.text()
    if (res.status !== 303) throw new Error(`POST ${path}: ${res.status} ${text.slice(0, 300)}`)
    return res.headers.get('location') ?? ''
  }

  /** Registers (and so signs in) a shopper with the scenario's password. */
  async signUp(name: string, email: string): Promise<void> {
    await this.get(page('register'))
    await this.post(page('register'), { name, email, password: scenario.shopper.password })
  }

  /** Puts `quantity` of a product in the cart and checks out; the order's page path. */
  async checkOut(productId: string, quantity: number): Promise<string> {
    await this.get(page('product', productId))
    await this.post(page('cartItems'), { productId, quantity: String(quantity) })
    await this.get(page('checkout'))
    return this.post(page('checkout'), { idempotencyKey: this.field('idempotencyKey') })
  }
}

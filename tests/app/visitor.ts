/** A shopper over real HTTP: keeps the cookies its pages set, posts forms with their CSRF token. */
export class HttpVisitor {
  private readonly cookies = new Map<string, string>()
  constructor(private readonly baseUrl: string) {}

  private async send(
    path: string,
    init: RequestInit,
  ): Promise<{ status: number; body: string; location: string | null }> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const res = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie },
    })
    for (const set of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = set.split(';')
      const [name = '', value = ''] = pair.split('=', 2).map((s) => s.trim())
      const expired = attributes.some((a) => /^\s*max-age=0\b|expires=thu, 01 jan 1970/i.test(a))
      if (expired) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return { status: res.status, body: await res.text(), location: res.headers.get('location') }
  }

  get(path: string) {
    return this.send(path, { method: 'GET' })
  }

  /**
   * Posts `form` with the CSRF token of the page at `from` (or of `from`'s HTML itself), with
   * `headers` besides (e.g. a test's own `traceparent`).
   */
  async post(
    path: string,
    form: Record<string, string>,
    csrfFrom: string,
    headers: Record<string, string> = {},
  ) {
    const html = csrfFrom.startsWith('/') ? (await this.get(csrfFrom)).body : csrfFrom
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
    if (!csrf) throw new Error(`no CSRF token on ${csrfFrom.slice(0, 40)}`)
    return this.send(path, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...form }).toString(),
    })
  }

  async register(email: string): Promise<void> {
    const res = await this.post(
      '/register',
      { name: 'Shopper', email, password: 'correct horse battery' },
      '/register',
    )
    if (res.status !== 303) throw new Error(`registration answered ${res.status}: ${res.body}`)
  }

  async addToCart(productId: number): Promise<void> {
    const res = await this.post('/cart/items', { productId: String(productId), quantity: '1' }, '/')
    if (res.location !== '/cart')
      throw new Error(`add to cart answered ${res.status} ${res.location}`)
  }
}

import { after, before } from 'node:test'
import {
  freePort,
  startTestService,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
// Test-only: the real product-service runs in-process, not a mock of it.
import { service as productService } from '../../product-service/src/service'
import { service } from '../src/service'

export interface FrontendFixture {
  frontend: TestService
}

/** A loopback URL nothing listens on: a dependency that is down. */
export const deadUrl = async (): Promise<string> => `http://127.0.0.1:${await freePort()}`

/**
 * The frontend under test with a real product-service listening on a loopback port (or, with
 * `products: 'down'`, a dead one). user-service and order-service are down unless given.
 */
export function frontendFixture(
  options: { products?: 'up' | 'down'; env?: Record<string, string> } = {},
): () => FrontendFixture {
  let server: MariaDb | undefined
  let products: TestService | undefined
  let fixture: FrontendFixture
  before(async () => {
    let productUrl = await deadUrl()
    if (options.products !== 'down') {
      server = await useMariaDb()
      products = await startTestService(productService, server)
      productUrl = await products.app.listen({ port: 0, host: '127.0.0.1' })
    }
    const frontend = await startTestService(service, undefined, {
      PRODUCT_SERVICE_URL: productUrl,
      USER_SERVICE_URL: await deadUrl(),
      ORDER_SERVICE_URL: await deadUrl(),
      ...options.env,
    })
    fixture = { frontend }
  })
  after(async () => {
    await fixture?.frontend.close()
    await products?.close()
    await server?.stop()
  })
  return () => fixture
}

/** A cookie-keeping client over app.inject, enough to walk through forms like a browser. */
export class Visitor {
  readonly cookies = new Map<string, string>()
  /** `headers`: sent with every request, e.g. the X-Forwarded-For of a proxy on loopback. */
  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string> = {},
  ) {}

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as { name: string; value: string; expires?: Date }[]) {
      if (c.expires && c.expires.getTime() < Date.now()) this.cookies.delete(c.name)
      else this.cookies.set(c.name, c.value)
    }
    return res
  }

  private get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({ url, headers: { ...this.headers, cookie: this.cookieHeader } }),
    )
  }

  async post(url: string, form: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: {
          ...this.headers,
          cookie: this.cookieHeader,
          'content-type': 'application/x-www-form-urlencoded',
        },
        payload: new URLSearchParams(form).toString(),
      }),
    )
  }
}

/** The CSRF token of the first form of a page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!match?.[1]) throw new Error('the page has no form with a CSRF token')
  return match[1]
}

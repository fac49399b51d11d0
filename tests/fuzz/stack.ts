import { buildService, serviceTokenMinter } from '@shopscope/kit'
import {
  SERVICE_NAMES,
  SERVICES_WITH_DATABASE,
  serviceUrlEnv,
  type ServiceName,
} from '@shopscope/system'
import {
  createTestDatabase,
  freePort,
  TEST_ENV,
  useMariaDb,
  type MariaDb,
} from '@shopscope/tests/harness'
import { startServices, stackSpecs } from '../../dev/local/launch'
import { service as frontendService } from '../../services/frontend/src/service'

/** A service listening on loopback, and the headers every fuzzed request carries. */
export interface FuzzTarget {
  name: string
  url: string
  headers: Record<string, string>
  /** Fewer checks than the default (schemathesis.ts CHECKS), for the HTML frontend. */
  checks?: string[]
  /** Its OpenAPI document, when the service does not serve it (the frontend). */
  document?: unknown
  /** For a target fuzzed signed in: whether its session (and CSRF token) still works. */
  signedIn?: () => Promise<boolean>
}

export interface FuzzStack {
  targets: FuzzTarget[]
  close(): Promise<void>
}

const FUZZ_SHOPPER = { email: 'fuzz@shopscope.test', password: 'fuzz-password-1', name: 'Fuzz' }

/** Registers a shopper over HTTP: the answer carries the token, as it does for the frontend. */
async function shopperToken(usersUrl: string): Promise<string> {
  const shopper = FUZZ_SHOPPER
  const post = (path: string, body: object) =>
    fetch(`${usersUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const registered = await post('/api/v1/users', shopper)
  if (registered.status !== 201) throw new Error(`registration: ${registered.status}`)
  return ((await registered.json()) as { token: string }).token
}

/** The cookies of a response as a Cookie header, merged over `jar` (a cleared one drops out). */
function keepCookies(jar: Map<string, string>, res: Response): Map<string, string> {
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';')
    const [name = '', value = ''] = pair.split('=', 2)
    if (value && !/expires=Thu, 01 Jan 1970/i.test(line)) jar.set(name, value)
    else jar.delete(name)
  }
  return jar
}

const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join('; ')

const csrfTokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? ''

/**
 * Signs the fuzz shopper in through the frontend's own form, as a browser does: the session
 * cookie, the CSRF secret cookie of the signed-in session, and a token of it. Every fuzzed form
 * post then passes the CSRF check and acts for the shopper.
 */
async function frontendSession(url: string): Promise<Record<string, string>> {
  const jar = new Map<string, string>()
  const form = await fetch(`${url}/login`)
  keepCookies(jar, form)
  const login = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
    body: new URLSearchParams({
      _csrf: csrfTokenOf(await form.text()),
      email: FUZZ_SHOPPER.email,
      password: FUZZ_SHOPPER.password,
    }),
  })
  if (login.status !== 303) throw new Error(`frontend sign-in: ${login.status}`)
  keepCookies(jar, login)
  // Signing in rotates the CSRF secret: the token comes from a page of the new session.
  const cart = await fetch(`${url}/cart`, {
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar) },
  })
  if (cart.status !== 200) throw new Error(`frontend cart after sign-in: ${cart.status}`)
  keepCookies(jar, cart)
  return { cookie: cookieHeader(jar), 'x-csrf-token': csrfTokenOf(await cart.text()) }
}

/** Still signed in, and the token still accepted: a form post acts instead of answering 403. */
async function stillSignedIn(url: string, headers: Record<string, string>): Promise<boolean> {
  const cart = await fetch(`${url}/cart`, { redirect: 'manual', headers })
  const post = await fetch(`${url}/cart/items/1/remove`, {
    method: 'POST',
    redirect: 'manual',
    headers,
  })
  return cart.status === 200 && post.status === 303 && post.headers.get('location') === '/cart'
}

/**
 * The frontend's forms as an OpenAPI document: it serves none, so it comes from the service's
 * definition, built in this process without listening (and calling no one: any URLs do).
 */
async function frontendDocument(): Promise<unknown> {
  const urls = serviceUrlEnv(() => 'http://127.0.0.1:9')
  const app = await buildService(frontendService, { ...TEST_ENV, ...urls })
  await app.ready()
  const document = app.swagger()
  await app.close()
  return document
}

/** The four services' processes on one MariaDB, each on its own port, as in the cluster. */
export async function startFuzzStack(): Promise<FuzzStack> {
  const server: MariaDb = await useMariaDb()
  const databases: Array<Awaited<ReturnType<typeof createTestDatabase>>> = []
  let services: Awaited<ReturnType<typeof startServices>> | undefined
  const close = async () => {
    await services?.stop()
    for (const database of databases) await database.drop()
    await server.stop()
  }
  try {
    const databaseUrls: Partial<Record<ServiceName, string>> = {}
    for (const s of SERVICES_WITH_DATABASE) {
      const database = await createTestDatabase(server, s.name.split('-')[0])
      databases.push(database)
      databaseUrls[s.name] = database.url
    }
    const ports = Object.fromEntries(
      await Promise.all(SERVICE_NAMES.map(async (n) => [n, await freePort()] as const)),
    ) as Record<ServiceName, number>
    services = await startServices(
      stackSpecs({
        ports,
        mysqlUrl: server.url,
        databaseUrls,
        env: () => ({ ...TEST_ENV, COOKIE_SECURE: 'false' }),
      }),
      // Their warnings and errors in the test's output, as a 5xx's cause should be.
      () => 'inherit',
    )
    const url = (name: ServiceName) => `http://127.0.0.1:${ports[name]}`
    const usersUrl = url('user-service')
    const productsUrl = url('product-service')
    const frontendUrl = url('frontend')
    const document = await frontendDocument()
    const bearer = { authorization: `Bearer ${await shopperToken(usersUrl)}` }
    const session = await frontendSession(frontendUrl)
    // The reservation routes answer order-service only; the catalog ignores the token.
    const mint = serviceTokenMinter(TEST_ENV.ORDER_SERVICE_SIGNING_KEY, 'order-service')
    return {
      targets: [
        { name: 'user-service', url: usersUrl, headers: bearer },
        {
          name: 'product-service',
          url: productsUrl,
          headers: { authorization: `Bearer ${mint('product-service')}` },
        },
        { name: 'order-service', url: url('order-service'), headers: bearer },
        // Pages have no response schemas: only "never a 5xx". Signed in with a valid CSRF
        // token, so every form post reaches order-service and user-service as a shopper's would
        // (issue 24: signed out, the posts stopped at the CSRF check and a 502 went unseen).
        {
          name: 'frontend',
          url: frontendUrl,
          headers: session,
          document,
          checks: ['not_a_server_error'],
          signedIn: () => stillSignedIn(frontendUrl, session),
        },
        // Signed out, the pages render their forms instead of redirecting.
        {
          name: 'frontend (signed out)',
          url: frontendUrl,
          headers: {},
          document,
          checks: ['not_a_server_error'],
        },
      ],
      close,
    }
  } catch (err) {
    await close()
    throw err
  }
}

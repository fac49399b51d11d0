import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { validateHeaderValue } from 'node:http'
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import {
  allowedMethods,
  HttpProblem,
  registerUpstreamMetrics,
  serviceTokenMinter,
  setSafeSpanStatus,
  Upstream,
  UpstreamUnavailable,
  type ServiceConfig,
} from '@shopscope/kit'
import type { FrontendEnv } from './config'
import { OrderClient } from './clients/orders'
import { ProductClient } from './clients/products'
import { UserClient } from './clients/users'
import { SessionExpired } from './errors'
import { createMetrics } from './metrics'
import {
  PARENT_VOUCHER,
  type ParentVoucher,
} from '@shopscope/telemetry/dist/untrusted-parent-sampler'
import {
  activeTraceId,
  browserBundleRoutes,
  loadBrowserBundle,
  pageTrace,
} from './browser-telemetry'
import { accountRoutes } from './routes/account'
import { assetRoutes } from './routes/assets'
import { cartRoutes } from './routes/cart'
import { catalogRoutes } from './routes/catalog'
import { orderRoutes } from './routes/orders'
import { collectorTracesUrl, otlpRoutes } from './routes/otlp'
import { TraceGrants } from './trace-grants'
import { shopperCsrfToken, SessionCookies } from './session'
import { errorView } from './views/errors'
import { layout, page } from './views/layout'

const UNAVAILABLE: Record<string, string> = {
  'product-service': 'The catalog is temporarily unavailable, please try again in a moment.',
  'order-service':
    'Your cart and orders are temporarily unavailable, please try again in a moment.',
  'user-service': 'Signing in is temporarily unavailable, please try again in a moment.',
}

function dropInvalidHeaders(reply: FastifyReply): void {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    try {
      for (const one of Array.isArray(value) ? value : [value])
        validateHeaderValue(name, String(one))
    } catch {
      reply.removeHeader(name)
    }
  }
}

function messageFor(error: FastifyError, status: number): string {
  if (error instanceof UpstreamUnavailable) {
    return UNAVAILABLE[error.upstream] ?? 'This page is temporarily unavailable.'
  }
  if (error.code?.startsWith('FST_CSRF')) {
    return 'This form has expired. Please go back, reload the page and try again.'
  }
  if (error.validation) return 'The address or the form contains a value we cannot use.'
  if (error instanceof HttpProblem && status < 500) return error.message
  if (status === 404) return 'We could not find that page.'
  if (status < 500) return 'The request could not be handled.'
  return 'Something went wrong on our side. Please try again in a moment.'
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: a POST that carries no form of ours (the browser's span exports). */
    csrf?: boolean
  }
}

const app: FastifyPluginAsync<{ config: ServiceConfig<typeof FrontendEnv.properties> }> = async (
  fastify,
  { config },
) => {
  const upstream = (name: string, baseUrl: string) =>
    new Upstream({ name, baseUrl, timeoutMs: config.UPSTREAM_TIMEOUT_MS })
  const users = new UserClient(
    {
      registrations: upstream('user-service', config.USER_SERVICE_URL),
      sessions: upstream('user-service', config.USER_SERVICE_URL),
    },
    serviceTokenMinter(config.FRONTEND_SIGNING_KEY, 'frontend'),
    config.CREDENTIALS_TIMEOUT_MS,
  )
  const products = new ProductClient(upstream('product-service', config.PRODUCT_SERVICE_URL))
  const orders = new OrderClient(
    upstream('order-service', config.ORDER_SERVICE_URL),
    config.CHECKOUT_TIMEOUT_MS,
  )
  registerUpstreamMetrics(fastify.metrics, [
    users.upstreams.sessions,
    users.upstreams.registrations,
    products.upstream,
    orders.upstream,
  ])
  const metrics = createMetrics(fastify.metrics)
  const sessions = new SessionCookies(config.COOKIE_SECURE)
  const bundle = loadBrowserBundle()
  // The sampler of the telemetry bootstrap asks the grants about a browser's sampled parent.
  const grants = new TraceGrants(config.SESSION_SECRET)
  const voucher: ParentVoucher = (parent) => grants.honour(parent)
  ;(globalThis as Record<symbol, unknown>)[PARENT_VOUCHER] = voucher

  await fastify.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // The browser telemetry: its script and its span exports, same origin only.
        scriptSrc: ["'self'"],
        connectSrc: ["'self'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        imgSrc: ["'self'", 'data:'],
        // Over plain HTTP (local runs) upgrading would break every link.
        upgradeInsecureRequests: config.COOKIE_SECURE ? [] : null,
      },
    },
    hsts: config.COOKIE_SECURE,
  })
  await fastify.register(cookie, { secret: config.SESSION_SECRET })
  await fastify.register(formbody)
  await fastify.register(csrf, {
    cookieOpts: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.COOKIE_SECURE,
      signed: true,
    },
  })
  // fastify-html is an ES module; a dynamic import is how CommonJS loads it.
  await fastify.register((await import('fastify-html')).default)

  fastify.decorateRequest('shopper', null)
  fastify.decorateReply('pageTitle', '')
  fastify.addHook('onRequest', async (request) => {
    request.shopper = sessions.read(request)
  })
  // Every form post, login and logout included, must carry the token of a page we rendered.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (
      request.method === 'POST' &&
      request.routeOptions.url !== '/*' &&
      request.routeOptions.config.csrf !== false
    ) {
      fastify.csrfProtection(request, reply, done)
    } else done()
  })
  fastify.addLayout((inner, reply) =>
    layout(inner, {
      title: reply.pageTitle,
      path: reply.request.url.split('?')[0] ?? '/',
      shopper: reply.request.shopper,
      csrfToken: shopperCsrfToken(reply),
      flash: sessions.takeFlash(reply.request, reply),
      scriptUrl: bundle.url,
      trace: pageTrace(reply.request, grants),
    }),
  )

  // The one place where a failure becomes a page: 404, 403, 503 and 500 alike.
  fastify.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // A header Node refuses to write (ERR_INVALID_CHAR) would fail this answer too, and Fastify
    // would then send its own JSON: the answer goes without it.
    dropInvalidHeaders(reply)
    setSafeSpanStatus(error)
    if (error instanceof SessionExpired) {
      sessions.end(reply)
      const next = request.method === 'GET' ? request.url : '/cart'
      return reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303)
    }
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
    if (error instanceof UpstreamUnavailable) {
      request.log.warn({ upstream: error.upstream, reason: error.message }, 'upstream unavailable')
      reply.header('retry-after', '5')
    } else if (status >= 500) {
      request.log.error({ err: error }, 'page failed')
    }
    reply.code(status)
    // Only failures of ours get a reference: a 4xx is the request's own doing.
    const reference = status >= 500 ? activeTraceId() : undefined
    return page(reply, `Error ${status}`, errorView(status, messageFor(error, status), reference))
  })

  await fastify.register(assetRoutes)
  await fastify.register(browserBundleRoutes, { bundle })
  await fastify.register(otlpRoutes, {
    upstream: collectorTracesUrl(config),
    metrics,
  })
  await fastify.register(catalogRoutes, { products })
  await fastify.register(accountRoutes, { users, sessions })
  await fastify.register(cartRoutes, { orders, sessions })
  await fastify.register(orderRoutes, { orders })
  // kit's not-found handler answers problem+json for the API services; pages get HTML, whatever
  // the method (a form posted to an address that does not exist included): 405 with Allow for a
  // page that has other methods, 404 for an address with no page.
  fastify.all('/*', async (request, reply) => {
    const allowed = allowedMethods(request, { catchAll: true })
    if (allowed.length === 0) throw new HttpProblem(404, 'We could not find that page.')
    reply.header('allow', allowed.join(', '))
    throw new HttpProblem(405, `This page cannot be requested with ${request.method}.`)
  })
}

export default app

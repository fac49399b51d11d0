import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { trace } from '@opentelemetry/api'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { incomingGrant, type TraceGrants } from './trace-grants'

/** Built by scripts/bundle-web.mjs from web/telemetry.ts; the same path from src/ and dist/. */
export const BUNDLE_PATH = join(__dirname, '..', 'dist', 'web', 'telemetry.js')

export interface BrowserBundle {
  body: Buffer
  etag: string
  /** Versioned by content: cached for a year, and still new after a deploy that changes it. */
  url: string
}

export function loadBrowserBundle(path = BUNDLE_PATH): BrowserBundle {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: the browser telemetry is built by \`make build\``)
  }
  const body = readFileSync(path)
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16)
  return { body, etag: `"${hash}"`, url: `/static/telemetry.js?v=${hash.slice(0, 8)}` }
}

export const browserBundleRoutes: FastifyPluginAsync<{ bundle: BrowserBundle }> = async (
  app,
  { bundle },
) => {
  app.get('/static/telemetry.js', async (request, reply) => {
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', bundle.etag)
    if (request.headers['if-none-match'] === bundle.etag) return reply.code(304).send()
    return reply.type('text/javascript; charset=utf-8').send(bundle.body)
  })
}

/** What a page tells its browser about the server's trace (layout.ts's meta tags). */
export interface PageTrace {
  traceparent: string
  grant?: string
}

/** The request's server span as a traceparent, and a grant when it is sampled. */
export function pageTrace(request: FastifyRequest, grants: TraceGrants): PageTrace | undefined {
  const span = trace.getActiveSpan()?.spanContext()
  if (!span || !trace.isSpanContextValid(span)) return undefined
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0')
  return {
    traceparent: `00-${span.traceId}-${span.spanId}-${flags}`,
    grant: grants.issue(span, incomingGrant(request.headers.tracestate)),
  }
}

/** The trace id of the request being served, if it has a span (the error page's reference). */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext()
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined
}

import type { Attributes, Span } from '@opentelemetry/api'

/**
 * What a span may say about a URL. Query strings carry what shoppers type (searches, a `next`
 * address) and are left out whole; the segment after `reservations/` is a reservation id, which
 * acts like a bearer secret (whoever knows it can commit or release that order's stock with a
 * service token), so it is replaced. `http.route` keeps the template for grouping.
 */
export const REDACTED_SEGMENT = '{redacted}'
const SECRET_PARENT = 'reservations'

/** The path of `url` (a path or a full URL) without its query or fragment, secrets replaced. */
export function redactPath(url: string): string {
  const end = url.search(/[?#]/)
  const path = end === -1 ? url : url.slice(0, end)
  if (!path.includes(`/${SECRET_PARENT}/`)) return path
  const segments = path.split('/')
  for (let i = 1; i < segments.length; i++) {
    if (segments[i - 1] === SECRET_PARENT && segments[i] !== '') segments[i] = REDACTED_SEGMENT
  }
  return segments.join('/')
}

/** `url.full` without query or fragment, its path as redactPath gives it. */
export function redactUrl(full: string): string {
  try {
    const url = new URL(full)
    return `${url.origin}${redactPath(url.pathname)}`
  } catch {
    return REDACTED_SEGMENT
  }
}

/** The SDK's recording span: its attributes so far (ReadableSpan's public field). */
type Recording = Span & { attributes?: Attributes }

/**
 * A client instrumentation's requestHook: rewrites the URL attributes the instrumentation set
 * when it started the span (http: url.full; undici: url.full, url.path, url.query).
 */
export function redactUrlAttributes(span: Span): void {
  if (!span.isRecording()) return
  const attributes = (span as Recording).attributes ?? {}
  const full = attributes['url.full']
  if (typeof full === 'string') span.setAttribute('url.full', redactUrl(full))
  const path = attributes['url.path']
  if (typeof path === 'string') span.setAttribute('url.path', redactPath(path))
  if (typeof attributes['url.query'] === 'string') span.setAttribute('url.query', REDACTED_SEGMENT)
}

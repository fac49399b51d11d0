import { metrics, type Histogram } from '@opentelemetry/api'

/** What the stable HTTP semantic conventions fix for both sides of a call. */

/** The scope of what the bootstrap records itself (metrics and client spans). */
export const TELEMETRY_SCOPE = '@shopscope/telemetry'

/** The conventions' method values; anything else is `_OTHER`. */
const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
])

export const methodOf = (method: string | undefined): string =>
  method !== undefined && KNOWN_METHODS.has(method) ? method : '_OTHER'

/**
 * The buckets the conventions advise for http.server.request.duration and
 * http.client.request.duration, as the http instrumentation uses them.
 */
const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]

/**
 * http.server.request.duration or http.client.request.duration, in seconds, from the bootstrap's
 * meter. Call after the SDK started: a meter taken earlier would be the no-op one for good.
 */
export function httpDuration(side: 'server' | 'client'): Histogram {
  return metrics.getMeter(TELEMETRY_SCOPE).createHistogram(`http.${side}.request.duration`, {
    description: `Duration of HTTP ${side} requests.`,
    unit: 's',
    advice: { explicitBucketBoundaries: HTTP_DURATION_BUCKETS },
  })
}

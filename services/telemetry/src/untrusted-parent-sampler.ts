import { trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api'
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node'

/**
 * A service that faces the internet (the frontend) gets its `traceparent` from whoever sends
 * one: with a parent-based sampler, anyone could have every request traced (or none) by setting
 * the sampled flag, and make the service, the Collector and Jaeger carry every trace. With
 * SHOPSCOPE_TRUST_TRACEPARENT=false a remote caller's flag decides nothing: the request is
 * sampled at the configured ratio like a new trace, and keeps the caller's trace id (a browser's
 * trace still joins up). The decision is random, not by trace id, since the caller chose that id.
 * The services behind it keep the parent-based sampler and follow it.
 */
export const TRUST_TRACEPARENT_ENV = 'SHOPSCOPE_TRUST_TRACEPARENT'

/**
 * Where the service itself may vouch for a remote parent: a function on globalThis under this
 * symbol, returning true when the parent's sampled flag is to be kept. The frontend puts its
 * page grants there (frontend/src/trace-grants.ts): a browser trace that started on a page the
 * frontend sampled stays sampled, within the bounds the grant sets. The sampler stays generic,
 * and the operator-injected copy of this module finds the same symbol.
 */
export const PARENT_VOUCHER = Symbol.for('shopscope.telemetry.parentVoucher')
export type ParentVoucher = (parent: SpanContext) => boolean

function vouchedFor(parent: SpanContext): boolean {
  const voucher = (globalThis as Record<symbol, unknown>)[PARENT_VOUCHER]
  if (typeof voucher !== 'function') return false
  try {
    return (voucher as ParentVoucher)(parent) === true
  } catch {
    return false
  }
}

type Sampler = NodeSDKConfiguration['sampler']
type Decision = ReturnType<Sampler['shouldSample']>['decision']
/** The SDK's SamplingDecision values (sdk-node does not export the enum). */
const NOT_RECORD = 0 as Decision
const RECORD_AND_SAMPLED = 2 as Decision

/** The share of new traces OTEL_TRACES_SAMPLER keeps, as the SDK reads it. */
export function newTraceRatio(env: NodeJS.ProcessEnv): number {
  switch (env.OTEL_TRACES_SAMPLER?.trim()) {
    case 'always_off':
    case 'parentbased_always_off':
      return 0
    case 'traceidratio':
    case 'parentbased_traceidratio': {
      // The SDK's fallback for a blank or out-of-range argument.
      const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG?.trim() || Number.NaN)
      return Number.isFinite(ratio) && ratio >= 0 && ratio <= 1 ? ratio : 1
    }
    // Unset, always_on, parentbased_always_on, and the SDK's fallback for an unknown name.
    default:
      return 1
  }
}

export function untrustedParentSampler(ratio: number): Sampler {
  return {
    shouldSample(context: Context) {
      const parent = trace.getSpanContext(context)
      // A parent in this process is a decision already taken here: the trace stays whole.
      if (parent && !parent.isRemote && trace.isSpanContextValid(parent)) {
        const sampled = (parent.traceFlags & TraceFlags.SAMPLED) !== 0
        return { decision: sampled ? RECORD_AND_SAMPLED : NOT_RECORD }
      }
      if (
        parent &&
        trace.isSpanContextValid(parent) &&
        (parent.traceFlags & TraceFlags.SAMPLED) !== 0 &&
        vouchedFor(parent)
      ) {
        return { decision: RECORD_AND_SAMPLED }
      }
      return { decision: Math.random() < ratio ? RECORD_AND_SAMPLED : NOT_RECORD }
    },
    toString: () => `UntrustedParentSampler{ratio=${ratio}}`,
  }
}

/**
 * The sampler for NodeSDK when the service must not trust its callers' sampled flag; undefined
 * to keep the one OTEL_TRACES_SAMPLER names. Anything but `true` or unset counts as `false`.
 */
export function samplerFrom(env: NodeJS.ProcessEnv): Sampler | undefined {
  const trust = env[TRUST_TRACEPARENT_ENV]?.trim()
  if (trust === undefined || trust === '' || trust === 'true') return undefined
  return untrustedParentSampler(newTraceRatio(env))
}

/**
 * Test probe, given to `node --require` after the bootstrap: reports on stdout (one JSON line
 * each) every span started below an unsampled entry, that is whose parent is a local span that
 * does not record. The entry's own span (its parent the caller's remote context) is not
 * reported: it is where the sampling decision is taken. Wraps the SDK tracer's startSpan, so it
 * also sees the spans that are never recorded and never reach a processor or an exporter.
 */
/* global require, process */
// Plain CommonJS: `node --require` loads it into the service's process, without tsx.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { context, trace } = require('@opentelemetry/api')

const sdkTracer = trace.getTracerProvider().getDelegate?.()?.getTracer('span-start-probe')
const prototype = sdkTracer && Object.getPrototypeOf(sdkTracer)
if (!prototype || typeof prototype.startSpan !== 'function') {
  throw new Error('span-start-probe: no SDK tracer to watch (load it after the bootstrap)')
}
const startSpan = prototype.startSpan
prototype.startSpan = function probedStartSpan(name, options, ctx = context.active()) {
  const parent = trace.getSpan(ctx)
  if (parent && !parent.isRecording() && !parent.spanContext().isRemote) {
    const line = { probe: 'span-below-unsampled', name, trace_id: parent.spanContext().traceId }
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  return startSpan.call(this, name, options, ctx)
}

import { trace } from '@opentelemetry/api'

/** The part of the SDK's span processor interface the shop's processors use. */
export interface ShopSpanProcessor {
  onStart(): void
  /** While the span can still change, before any exporting processor's onEnd. */
  onEnding?(span: unknown): void
  onEnd(): void
  forceFlush(): Promise<void>
  shutdown(): Promise<void>
}

interface ProcessorList {
  _activeSpanProcessor?: { _spanProcessors?: unknown[] }
}

/**
 * Adds a processor beside the exporting ones NodeSDK built from the environment. NodeSDK offers
 * no way to add one without giving up those (its `spanProcessors` option replaces them), so the
 * processor joins the provider's list; false when a future SDK moved that list (callers say so).
 */
export function addSpanProcessor(processor: ShopSpanProcessor): boolean {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown }
  const processors = (provider.getDelegate?.() as ProcessorList | undefined)?._activeSpanProcessor
    ?._spanProcessors
  if (!Array.isArray(processors)) return false
  processors.push(processor)
  return true
}

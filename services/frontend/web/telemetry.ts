/**
 * The shop's browser telemetry, bundled by scripts/bundle-web.mjs into dist/web/telemetry.js and
 * served same-origin (src/browser-telemetry.ts). docs/telemetry.md, "Traces from the browser",
 * says why it works this way; in short:
 *  - the page's server span is in <meta name="traceparent">: document-load joins it, so a
 *    page's load is part of the server's trace, sampled or not with it;
 *  - the add-to-cart and checkout forms (data-traced) are posted by script inside a browser
 *    span, with its traceparent, following the redirect, so the click and the server's work are
 *    one trace; the page it leads to replaces this one without a second request;
 *  - a click is only sampled when its page was, and then carries the page's grant
 *    (<meta name="shopscope-trace-grant">) in tracestate, for which the frontend keeps the flag;
 *  - spans go to the frontend's own /otlp/v1/traces (CSP connect-src 'self').
 * Without JavaScript, or if anything here fails, the forms submit as plain HTML forms.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Link,
  type Span,
} from '@opentelemetry/api'
import { TraceState, W3CTraceContextPropagator } from '@opentelemetry/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SamplingDecision,
  StackContextManager,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace'

/** The service name the frontend's relay forces on every span it forwards. */
const SERVICE_NAME = 'frontend-web'
const EXPORT_PATH = '/otlp/v1/traces'
const GRANT_META = 'shopscope-trace-grant'

const metaContent = (name: string): string =>
  document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? ''

/** The page's server span, from its traceparent meta tag. */
function pageSpanContext() {
  const parent = trace.getSpanContext(
    propagation.extract(context.active(), { traceparent: metaContent('traceparent') }),
  )
  return parent && trace.isSpanContextValid(parent) ? parent : undefined
}

/**
 * A new trace (a click) follows its page: sampled only when the page's server span was and the
 * page holds a grant, which then goes in the trace's tracestate for the frontend to honour.
 */
const pageSampler: Sampler = {
  shouldSample() {
    const page = pageSpanContext()
    const grant = metaContent(GRANT_META)
    if (!page || (page.traceFlags & TraceFlags.SAMPLED) === 0 || !grant) {
      return { decision: SamplingDecision.NOT_RECORD }
    }
    return {
      decision: SamplingDecision.RECORD_AND_SAMPLED,
      traceState: new TraceState().set('shopscope', grant),
    }
  },
  toString: () => 'PageSampler',
}

const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': SERVICE_NAME }),
  sampler: new ParentBasedSampler({ root: pageSampler }),
  spanProcessors: [
    new BatchSpanProcessor({
      exporter: new OTLPTraceExporter({ url: new URL(EXPORT_PATH, location.href).href }),
      scheduledDelayMillis: 1000,
    }),
  ],
})
trace.setGlobalTracerProvider(provider)
context.setGlobalContextManager(new StackContextManager().enable())
propagation.setGlobalPropagator(new W3CTraceContextPropagator())
// No fetch instrumentation: it ends its span 300 ms after the answer (to read the resource
// timing), and a shopper who clicks on within that time never exports it, leaving a hole
// between the click and the server; submit() makes the one client span it needs.
registerInstrumentations({ instrumentations: [new DocumentLoadInstrumentation()] })

const tracer = trace.getTracer('shopscope-web')

/** The page this click happened on, as a link: its trace holds the page's load. */
function pageLink(): Link[] {
  const page = pageSpanContext()
  return page ? [{ context: page }] : []
}

/** Set once a page was shown by script: the history entries it pushed have no document. */
let shownByScript = false

/** Shows the page the form led to, as a navigation would have, without loading it again. */
function show(url: string, html: string): void {
  shownByScript = true
  const next = new DOMParser().parseFromString(html, 'text/html')
  document.title = next.title
  for (const name of ['traceparent', GRANT_META]) {
    document.querySelector(`meta[name="${name}"]`)?.remove()
    const meta = next.querySelector(`meta[name="${name}"]`)
    if (meta) document.head.append(document.importNode(meta, true))
  }
  document.body.replaceWith(document.adoptNode(next.body))
  if (url !== location.href) history.pushState({ shopscope: true }, '', url)
  window.scrollTo(0, 0)
  document.querySelector<HTMLElement>('[role="alert"], [role="status"], main')?.focus?.()
}

/** The form's POST (and the redirect it follows) as a client span, ended with the answer. */
async function post(form: HTMLFormElement, body: URLSearchParams, parent: Span) {
  const url = new URL(form.action)
  const span = tracer.startSpan(
    'POST',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'POST',
        'url.full': url.href,
        'server.address': url.hostname,
        ...(url.port ? { 'server.port': Number(url.port) } : {}),
      },
    },
    trace.setSpan(context.active(), parent),
  )
  // traceparent, and tracestate with the page's grant; kept on the redirect (same origin).
  const headers: Record<string, string> = { accept: 'text/html' }
  propagation.inject(trace.setSpan(context.active(), span), headers)
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      credentials: 'same-origin',
      redirect: 'follow',
      headers,
    })
    const html = await response.text()
    span.setAttribute('http.response.status_code', response.status)
    if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
    return { response, html }
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error))
    span.setStatus({ code: SpanStatusCode.ERROR })
    throw error
  } finally {
    span.end()
  }
}

async function submit(form: HTMLFormElement, name: string, body: URLSearchParams, span: Span) {
  const { response, html } = await post(form, body, span)
  span.setAttribute('http.response.status_code', response.status)
  if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) {
    throw new Error(`${name}: the answer is not a page (${response.status})`)
  }
  show(response.url, html)
}

document.addEventListener('submit', (event) => {
  const form = event.target
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return
  const name = form.dataset.traced
  if (!name || form.method.toLowerCase() !== 'post') return
  event.preventDefault()
  const body = new URLSearchParams()
  for (const [key, value] of new FormData(form, event.submitter)) {
    if (typeof value === 'string') body.append(key, value)
  }
  const span = tracer.startSpan(`submit ${name}`, {
    kind: SpanKind.INTERNAL,
    links: pageLink(),
    attributes: { 'shopscope.form': name, 'url.path': new URL(form.action).pathname },
  })
  submit(form, name, body, span)
    .catch((error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error))
      span.setStatus({ code: SpanStatusCode.ERROR })
      // The post may have reached the shop before its answer was lost: sent again only where
      // a repeat is harmless (the checkout's idempotency key places one order), else the cart
      // shows what was done, rather than an add-to-cart counted twice.
      if (body.has('idempotencyKey')) form.submit()
      else location.assign('/cart')
    })
    .finally(() => span.end())
})

// A page shown by script has no document of its own to go back to: load it. (Other entries, a
// skip link's #main, are the browser's own business.)
window.addEventListener('popstate', () => {
  if (shownByScript) location.reload()
})

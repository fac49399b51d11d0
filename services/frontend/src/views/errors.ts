import { html } from 'ghtml'
import { layout } from './layout'

export const ERROR_TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Form expired',
  404: 'Page not found',
  503: 'Temporarily unavailable',
}

/**
 * `reference` is the trace id of the request that failed: a shopper can quote it, and it finds
 * the request's logs (and its trace, when sampled) in the logs UI and Jaeger.
 */
export function errorView(status: number, message: string, reference?: string): string {
  return html`<section class="error-page card">
    <p class="error-code">${status}</p>
    <h1>${ERROR_TITLES[status] ?? 'Something went wrong'}</h1>
    <p>${message}</p>
    !${reference ? html`<p class="error-reference">Reference: <code>${reference}</code></p>` : ''}
    <a class="button" href="/">Back to the shop</a>
  </section>`
}

/**
 * The error page for requests refused before any route runs (431, an undecodable URL): no
 * session is read for them, so it is the signed-out layout.
 */
export function rejectionPage(status: number, message: string): string {
  return layout(errorView(status, message), {
    title: `Error ${status}`,
    path: '/',
    shopper: null,
    csrfToken: '',
    flash: null,
  })
}

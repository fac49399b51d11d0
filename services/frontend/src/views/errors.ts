import { html } from 'ghtml'

export const ERROR_TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Form expired',
  404: 'Page not found',
  503: 'Temporarily unavailable',
}

export function errorView(status: number, message: string): string {
  return html`<section class="error-page card">
    <p class="error-code">${status}</p>
    <h1>${ERROR_TITLES[status] ?? 'Something went wrong'}</h1>
    <p>${message}</p>
    <a class="button" href="/">Back to the shop</a>
  </section>`
}

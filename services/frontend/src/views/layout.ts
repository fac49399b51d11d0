import { html } from 'ghtml'
import type { FastifyReply } from 'fastify'
import type { PageTrace } from '../browser-telemetry'
import type { Flash, Shopper } from '../session'
import { csrfField } from './format'
import { STYLESHEET_URL } from './styles'

export interface LayoutContext {
  title: string
  path: string
  shopper: Shopper | null
  csrfToken: string
  flash: Flash | null
  /**
   * The browser telemetry's script and the server's trace it joins (browser-telemetry.ts); none
   * on a page answered before any route ran.
   */
  scriptUrl?: string
  trace?: PageTrace
}

declare module 'fastify' {
  interface FastifyReply {
    pageTitle: string
  }
}

/** Sends `body` inside the layout (registered with fastify-html's addLayout in app.ts). */
export function page(reply: FastifyReply, title: string, body: string): FastifyReply {
  reply.pageTitle = title
  // Pages show the shopper's own data: never let a shared cache keep them.
  reply.header('cache-control', 'private, no-store')
  return reply.html`!${body}`
}

function navLink(path: string, href: string, label: string): string {
  const current = href === '/' ? path === '/' : path.startsWith(href)
  return current
    ? html`<a href="${href}" aria-current="page">${label}</a>`
    : html`<a href="${href}">${label}</a>`
}

function account(ctx: LayoutContext): string {
  if (!ctx.shopper) {
    return html`!${navLink(ctx.path, '/login', 'Sign in')}
      <a class="button button-small" href="/register">Create account</a>`
  }
  return html`<span class="greeting">Hi, ${ctx.shopper.name}</span>
    <form method="post" action="/logout" class="inline-form">
      !${csrfField(ctx.csrfToken)}
      <button type="submit" class="link-button">Sign out</button>
    </form>`
}

function flashMessage(flash: Flash | null): string {
  if (!flash) return ''
  const role = flash.kind === 'error' ? 'alert' : 'status'
  return html`<div class="flash flash-${flash.kind}" role="${role}">${flash.text}</div>`
}

function traceMeta(trace: PageTrace | undefined): string {
  if (!trace) return ''
  return html`<meta name="traceparent" content="${trace.traceparent}" />
    !${trace.grant ? html`<meta name="shopscope-trace-grant" content="${trace.grant}" />` : ''}`
}

export function layout(inner: string, ctx: LayoutContext): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${ctx.title} · Shopscope</title>
        <link rel="icon" href="/favicon.ico" type="image/svg+xml" />
        <link rel="stylesheet" href="${STYLESHEET_URL}" />
        !${traceMeta(ctx.trace)}
        !${ctx.scriptUrl ? html`<script src="${ctx.scriptUrl}" defer></script>` : ''}
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        <header class="site-header">
          <div class="container header-row">
            <a class="brand" href="/"
              ><span class="brand-mark" aria-hidden="true">S</span>Shopscope</a
            >
            <nav class="main-nav" aria-label="Main">
              !${navLink(ctx.path, '/', 'Shop')}
              !${ctx.shopper ? navLink(ctx.path, '/orders', 'Orders') : ''}
              !${navLink(ctx.path, '/cart', 'Cart')}
            </nav>
            <div class="account">!${account(ctx)}</div>
          </div>
        </header>
        <main id="main" class="container">!${flashMessage(ctx.flash)} !${inner}</main>
        <footer class="site-footer">
          <div class="container">Shopscope · a demo shop · prices in euros, VAT included</div>
        </footer>
      </body>
    </html>`
}

import type { CookieSerializeOptions } from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Session } from '@shopscope/contracts'

/** The signed-in user as the session cookie remembers them; the token is user-service's JWT. */
export interface Shopper {
  token: string
  name: string
  email: string
}

export interface Flash {
  kind: 'error' | 'success'
  text: string
}

declare module 'fastify' {
  interface FastifyRequest {
    shopper: Shopper | null
  }
}

const SESSION_COOKIE = 'session'
const FLASH_COOKIE = 'flash'
/** @fastify/csrf-protection's secret cookie (its default name). */
const CSRF_COOKIE = '_csrf'

/**
 * Signed, httpOnly, SameSite=Lax cookies: the browser cannot read or forge them, and a
 * cross-site form post does not carry them.
 */
export class SessionCookies {
  constructor(private readonly secure: boolean) {}

  private options(maxAgeSeconds?: number): CookieSerializeOptions {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      signed: true,
      ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}),
    }
  }

  read(request: FastifyRequest): Shopper | null {
    const value = readSigned(request, SESSION_COOKIE)
    if (!value) return null
    const shopper = value as Partial<Shopper>
    if (typeof shopper.token !== 'string' || typeof shopper.name !== 'string') return null
    return { token: shopper.token, name: shopper.name, email: String(shopper.email ?? '') }
  }

  start(reply: FastifyReply, grant: Session): void {
    const shopper: Shopper = { token: grant.token, name: grant.user.name, email: grant.user.email }
    reply.setCookie(SESSION_COOKIE, JSON.stringify(shopper), this.options(grant.expiresIn))
    this.rotateCsrf(reply)
  }

  end(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, this.options())
    this.rotateCsrf(reply)
  }

  /**
   * A new session gets a new CSRF secret: tokens handed out before sign-in (or planted with a
   * secret cookie) stop working. The next page rendered creates the new secret.
   */
  private rotateCsrf(reply: FastifyReply): void {
    reply.clearCookie(CSRF_COOKIE, this.options())
  }

  /** A message for the page after the redirect (post/redirect/get). */
  flash(reply: FastifyReply, kind: Flash['kind'], text: string): void {
    reply.setCookie(FLASH_COOKIE, JSON.stringify({ kind, text }), this.options(60))
  }

  takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | null {
    if (request.cookies[FLASH_COOKIE] === undefined) return null
    reply.clearCookie(FLASH_COOKIE, this.options())
    const flash = readSigned(request, FLASH_COOKIE) as Partial<Flash> | undefined
    if (!flash || typeof flash.text !== 'string') return null
    return { kind: flash.kind === 'success' ? 'success' : 'error', text: flash.text }
  }
}

function readSigned(request: FastifyRequest, name: string): unknown {
  const raw = request.cookies[name]
  if (!raw) return undefined
  const unsigned = request.unsignCookie(raw)
  if (!unsigned.valid || unsigned.value === null) return undefined
  try {
    return JSON.parse(unsigned.value) as unknown
  } catch {
    return undefined
  }
}

/** preHandler of the pages that act for a user. */
export async function requireLogin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.shopper) return
  const next = request.method === 'GET' ? request.url : '/cart'
  await reply.redirect(`/login?next=${encodeURIComponent(next)}`, 303)
}

// Any origin would do: only whether a URL stays on it matters, and the shop's own is not known.
const SHOP = 'http://shop.invalid'

/**
 * The page to go to after sign-in: a path on the shop, or '/'. Judged as browsers judge a
 * Location, with the WHATWG URL parser (which drops tabs and newlines and reads `\` as `/`,
 * so `/<TAB>/evil.example` is `//evil.example`), and answered in its serialized form: ASCII,
 * percent-encoded, always a valid header, and resolving to the same URL again (`/..//evil`
 * serializes to `//evil`, which would not).
 */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/')) return '/'
  const url = parseUrl(next)
  if (url?.origin !== SHOP) return '/'
  const path = `${url.pathname}${url.search}${url.hash}`
  return parseUrl(path)?.href === url.href ? path : '/'
}

function parseUrl(relative: string): URL | undefined {
  try {
    return new URL(relative, SHOP)
  } catch {
    return undefined
  }
}

const tokens = new WeakMap<FastifyReply, string>()

/** One CSRF token per response, shared by every form of the page. */
export function csrfToken(reply: FastifyReply): string {
  let token = tokens.get(reply)
  if (!token) {
    token = reply.generateCsrf()
    tokens.set(reply, token)
  }
  return token
}

/**
 * The token for forms only a signed-in shopper sees (add to cart, sign out). Anonymous catalog
 * pages have none, so they skip the CSRF secret cookie, its random bytes and HMAC: the bulk of
 * the traffic, measured in tests/bench.
 */
export function shopperCsrfToken(reply: FastifyReply): string {
  return reply.request.shopper ? csrfToken(reply) : ''
}

/** The shopper of a page behind requireLogin. */
export function shopperOf(request: FastifyRequest): Shopper {
  if (!request.shopper) throw new Error('requireLogin must run before this handler')
  return request.shopper
}

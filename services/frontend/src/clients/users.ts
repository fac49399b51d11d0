import {
  CLIENT_IP_HEADER,
  serviceAuthorization,
  unexpectedAnswer,
  UpstreamUnavailable,
  type Upstream,
} from '@shopscope/kit'
import { detailOf } from '../errors'
import type { Session } from '@shopscope/contracts'

/** What the form shows, and the status the page answers with. */
export type Refusal = { refused: string; status: number }

/** user-service's answer when its password hashing is full: nothing was done, retry shortly. */
const BUSY: Refusal = {
  refused: 'Many people are signing in right now. Please try again in a few seconds.',
  status: 503,
}

/** The sign-up could not be made now; the form is shown again, nothing was created. */
const NOT_CREATED: Refusal = {
  refused:
    'We could not create your account just now, so none was created. Please try again in a moment.',
  status: 503,
}

const reasonOf = (body: unknown) => (body as { reason?: unknown } | undefined)?.reason

export class UserClient {
  /**
   * Two circuit breakers to user-service: sign-ups and sign-ins, so timeouts of a burst of one
   * never refuse the other. Neither counts a refusal (429) as a failure.
   * `mintToken(audience)`: the frontend's service token, which vouches for the shopper address.
   * `credentialsTimeoutMs`: for the calls that hash a password, which take longest when the
   * service is busy. user-service answers well within it (its hashing wait is bounded), and a
   * registration whose caller timed out is not made: the 503 the shopper sees is true.
   */
  constructor(
    readonly upstreams: { registrations: Upstream; sessions: Upstream },
    private readonly mintToken: (audience: string) => string,
    private readonly credentialsTimeoutMs: number,
  ) {}

  /** Who the shopper is, vouched for with the frontend's service token. */
  private shopperHeaders(upstream: Upstream, shopperIp: string): Record<string, string> {
    return {
      ...serviceAuthorization(this.mintToken, upstream.name),
      [CLIENT_IP_HEADER]: shopperIp,
    }
  }

  /**
   * The new account comes signed in; so does the same form sent again (200: the account it
   * made before). A refusal carries a message the form can show (email taken, password too
   * short, too many sign-ups from the shopper's address, busy).
   */
  async register(
    input: { email: string; password: string; name: string },
    shopperIp: string,
  ): Promise<Session | Refusal> {
    const upstream = this.upstreams.registrations
    const res = await upstream
      .request<Session>('POST', '/api/v1/users', {
        body: input,
        timeoutMs: this.credentialsTimeoutMs,
        headers: this.shopperHeaders(upstream, shopperIp),
      })
      .catch((err: unknown) => {
        // Never sent, refused, or given up on: user-service makes no account for a caller that
        // left (and sending the form again signs in to one made at that very moment).
        if (err instanceof UpstreamUnavailable) return NOT_CREATED
        throw err
      })
    if (isRefusal(res)) return res
    if (res.status === 201 || res.status === 200) return res.body
    if (res.status === 409)
      return { refused: 'An account with this email already exists.', status: 409 }
    if (res.status === 400) return { refused: validationMessage(res.body), status: 400 }
    if (res.status === 429 && reasonOf(res.body) === 'too_busy') return BUSY
    if (res.status === 429) {
      return {
        refused: 'Too many accounts were created from your address. Please try again later.',
        status: 429,
      }
    }
    throw unexpectedAnswer(upstream.name, res.status)
  }

  /**
   * Not retried: every attempt counts against the login rate limit, which user-service keys on
   * the shopper's address (`shopperIp`, this service's `request.ip`), not on the frontend's.
   */
  async login(email: string, password: string, shopperIp: string): Promise<Session | Refusal> {
    const upstream = this.upstreams.sessions
    const res = await upstream.request<Session>('POST', '/api/v1/sessions', {
      body: { email, password },
      timeoutMs: this.credentialsTimeoutMs,
      headers: this.shopperHeaders(upstream, shopperIp),
    })
    if (res.status === 200) return res.body
    if (res.status === 401 || res.status === 400)
      return { refused: 'Wrong email or password.', status: 401 }
    if (res.status === 429 && reasonOf(res.body) === 'too_busy') return BUSY
    if (res.status === 429) {
      return {
        refused: 'Too many sign-in attempts. Please wait a minute and try again.',
        status: 429,
      }
    }
    throw unexpectedAnswer(upstream.name, res.status)
  }
}

export const isRefusal = (value: object): value is Refusal => 'refused' in value

function validationMessage(body: unknown): string {
  const errors = (body as { errors?: { field?: string; message?: string }[] })?.errors ?? []
  const fields = errors.map((e) => (e.field ?? '').split('.').pop()).filter(Boolean)
  if (fields.includes('email')) return 'Please enter a valid email address.'
  if (fields.includes('password')) return 'The password must have 8 to 128 characters.'
  if (fields.includes('name')) return 'Please enter your name.'
  return detailOf(body, 'Please check the form and try again.')
}

import {
  CLIENT_IP_HEADER,
  serviceAuthorization,
  unexpectedAnswer,
  type Upstream,
} from '@shopscope/kit'
import { detailOf } from '../errors'
import type { Session } from '@shopscope/contracts'

/** What the form shows, and the status the page answers with. */
export type Refusal = { refused: string; status: number }

export class UserClient {
  /**
   * `mintToken(audience)`: the frontend's service token, which vouches for the shopper address.
   * `credentialsTimeoutMs`: for the calls that hash a password, which take longest when the
   * service is busy; a registration cut short would still have created the account.
   */
  constructor(
    readonly upstream: Upstream,
    private readonly mintToken: (audience: string) => string,
    private readonly credentialsTimeoutMs: number,
  ) {}

  /**
   * The new account comes signed in. A refusal carries a message the form can show (email
   * taken, password too short).
   */
  async register(input: {
    email: string
    password: string
    name: string
  }): Promise<Session | Refusal> {
    const res = await this.upstream.request<Session>('POST', '/api/v1/users', {
      body: input,
      timeoutMs: this.credentialsTimeoutMs,
    })
    if (res.status === 201) return res.body
    if (res.status === 409)
      return { refused: 'An account with this email already exists.', status: 409 }
    if (res.status === 400) return { refused: validationMessage(res.body), status: 400 }
    throw unexpectedAnswer(this.upstream.name, res.status)
  }

  /**
   * Not retried: every attempt counts against the login rate limit, which user-service keys on
   * the shopper's address (`shopperIp`, this service's `request.ip`), not on the frontend's.
   */
  async login(email: string, password: string, shopperIp: string): Promise<Session | Refusal> {
    const res = await this.upstream.request<Session>('POST', '/api/v1/sessions', {
      body: { email, password },
      timeoutMs: this.credentialsTimeoutMs,
      headers: {
        ...serviceAuthorization(this.mintToken, this.upstream.name),
        [CLIENT_IP_HEADER]: shopperIp,
      },
    })
    if (res.status === 200) return res.body
    if (res.status === 401 || res.status === 400)
      return { refused: 'Wrong email or password.', status: 401 }
    if (res.status === 429) {
      return {
        refused: 'Too many sign-in attempts. Please wait a minute and try again.',
        status: 429,
      }
    }
    throw unexpectedAnswer(this.upstream.name, res.status)
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

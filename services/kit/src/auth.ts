import { createSigner, createVerifier } from 'fast-jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { problemFor } from './problem'

export interface User {
  id: number
  email: string
  role: 'customer' | 'admin'
}

const ISSUER = 'shopscope-user-service'
/** Clocks of two pods differ a little; more would stretch every token's life. */
export const CLOCK_LEEWAY_MS = 30_000
/** MySQL's INT UNSIGNED ids of the shop fit in a signed 32-bit integer (auto-increment). */
const USER_ID = /^[1-9][0-9]{0,9}$/
const MAX_USER_ID = 2_147_483_647

/** user-service signs; the services acting for a user verify the same HS256 secret. */
export function tokenSigner(secret: string, ttlSeconds = 7200): (user: User) => string {
  const sign = createSigner({
    key: secret,
    algorithm: 'HS256',
    iss: ISSUER,
    expiresIn: ttlSeconds * 1000,
  })
  return (user) => sign({ sub: String(user.id), email: user.email, role: user.role })
}

/** Claims as they arrive: a token signed with the right key can still carry anything. */
interface RawClaims {
  sub?: unknown
  email?: unknown
  role?: unknown
}

class InvalidClaims extends Error {}

/**
 * Only HS256 (no `none`, no key confusion), only user-service's tokens, `exp` required (a token
 * without one would be valid forever), `nbf`/`exp` checked with a small leeway, and the user
 * claims checked for shape: a malformed token is refused (401), it never reaches a query.
 */
export function tokenVerifier(secret: string): (token: string) => User {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    allowedIss: ISSUER,
    requiredClaims: ['iss', 'exp', 'sub'],
    clockTolerance: CLOCK_LEEWAY_MS,
  })
  return (token) => {
    const claims = verify(token) as RawClaims
    const { sub, email, role } = claims
    if (typeof sub !== 'string' || !USER_ID.test(sub) || Number(sub) > MAX_USER_ID)
      throw new InvalidClaims('sub')
    if (typeof email !== 'string' || email.length === 0) throw new InvalidClaims('email')
    if (role !== 'customer' && role !== 'admin') throw new InvalidClaims('role')
    return { id: Number(sub), email, role }
  }
}

/** The bearer token of the request, or '' without one. */
export function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization ?? ''
  return header.startsWith('Bearer ') ? header.slice(7).trim() : ''
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: User
  }
}

/** preHandler: a valid `Authorization: Bearer` token or a 401 problem. */
export function requireUser(verify: (token: string) => User) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request)
    if (!token) throw problemFor('token_required', 'A bearer token is required')
    try {
      request.user = verify(token)
    } catch {
      // One answer whichever check failed: the caller learns nothing about the key or claims.
      throw problemFor('invalid_token', 'The token is invalid or expired')
    }
  }
}

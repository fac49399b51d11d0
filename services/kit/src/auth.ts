import { createSigner, createVerifier } from 'fast-jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpProblem } from './problem'

export interface User {
  id: number
  email: string
  role: 'customer' | 'admin'
}

const ISSUER = 'shopscope-user-service'

/** user-service signs; the services acting for a user verify the same HS256 secret. */
export function tokenSigner(secret: string, ttlSeconds = 7200): (user: User) => string {
  const sign = createSigner({ key: secret, iss: ISSUER, expiresIn: ttlSeconds * 1000 })
  return (user) => sign({ sub: String(user.id), email: user.email, role: user.role })
}

export function tokenVerifier(secret: string): (token: string) => User {
  const verify = createVerifier({ key: secret, allowedIss: ISSUER, algorithms: ['HS256'] })
  return (token) => {
    const claims = verify(token) as { sub: string; email: string; role: User['role'] }
    return { id: Number(claims.sub), email: claims.email, role: claims.role }
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: User
  }
}

/** preHandler: a valid `Authorization: Bearer` token or a 401 problem. */
export function requireUser(verify: (token: string) => User) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? ''
    const token = header.startsWith('Bearer ') ? header.slice(7) : ''
    if (!token) throw new HttpProblem(401, 'A bearer token is required')
    try {
      request.user = verify(token)
    } catch {
      throw new HttpProblem(401, 'The token is invalid or expired')
    }
  }
}

import { isIP } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { normalizeIP } from '@fastify/rate-limit'
import { CLIENT_IP_HEADER, serviceCallerOf } from '@shopscope/kit'

/**
 * Who is logging in, as far as the rate limit is concerned. Behind the frontend every request
 * comes from the frontend's pod, so the frontend forwards the shopper's address; that header is
 * believed only when the request also carries the frontend's service token, otherwise a direct
 * caller could name any address it likes. IPv6 addresses count per /64 (one subscriber's prefix),
 * so rotating through one's own addresses does not reset the limit.
 */
export function clientAddress(
  request: FastifyRequest,
  verifyServiceToken: (token: string) => string,
): string {
  const forwarded = request.headers[CLIENT_IP_HEADER]
  if (
    typeof forwarded === 'string' &&
    isIP(forwarded) !== 0 &&
    serviceCallerOf(request, verifyServiceToken) === 'frontend'
  )
    return normalizeIP(forwarded)
  return normalizeIP(request.ip)
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The shopper's address, what the sign-in and sign-up limits count on. */
    clientAddress: string
  }
}

/** Sets `request.clientAddress` on every request of `app`. */
export function trackClientAddress(
  app: FastifyInstance,
  verifyServiceToken: (token: string) => string,
): void {
  app.decorateRequest('clientAddress', '')
  app.addHook('onRequest', async (request) => {
    request.clientAddress = clientAddress(request, verifyServiceToken)
  })
}

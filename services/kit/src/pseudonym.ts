import { createHmac, hkdfSync } from 'node:crypto'
import { trace, type Span } from '@opentelemetry/api'

/**
 * What traces carry instead of a user id: an HMAC-SHA256 of the id (16 hex digits) under a key
 * derived from `secret`. A plain hash of a small integer is reversed by hashing every id (ten
 * million take seconds); without the key it cannot be. The key is derived (HKDF), so nothing in a
 * trace helps guess `secret`; user-service and order-service both derive it from JWT_SECRET, so
 * one user has the same pseudonym in both, and rotating that secret rotates the pseudonyms.
 */
export function userPseudonym(secret: string): (id: number) => string {
  const key = Buffer.from(hkdfSync('sha256', secret, '', 'shopscope telemetry user.id', 32))
  return (id) => createHmac('sha256', key).update(String(id)).digest('hex').slice(0, 16)
}

/** Puts a user's pseudonym on a span, the active one unless given. */
export type TagUser = (id: number, span?: Span) => void

/** How every service names the user on its spans: traces grouped by user, no personal data. */
export function userTagger(secret: string): TagUser {
  const pseudonym = userPseudonym(secret)
  return (id, span = trace.getActiveSpan()) => span?.setAttribute('user.id', pseudonym(id))
}

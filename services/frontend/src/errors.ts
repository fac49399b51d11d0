/** order-service refused the session token (expired or signed with an old secret). */
export class SessionExpired extends Error {
  constructor() {
    super('The session token was refused')
    this.name = 'SessionExpired'
  }
}

/** The `detail` of an upstream problem document, when it sent one. */
export function detailOf(body: unknown, fallback: string): string {
  const detail = (body as { detail?: unknown } | undefined)?.detail
  return typeof detail === 'string' && detail ? detail : fallback
}

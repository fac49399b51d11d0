import { HttpProblem } from '@shopscope/kit'

/** order-service refused the session token (expired or signed with an old secret). */
export class SessionExpired extends Error {
  constructor() {
    super('The session token was refused')
    this.name = 'SessionExpired'
  }
}

/** An upstream answered outside its contract: a bug somewhere, shown as a 502 page. */
export function unexpectedAnswer(upstream: string, status: number): HttpProblem {
  return new HttpProblem(502, `${upstream} answered ${status} unexpectedly`)
}

/** The `detail` of an upstream problem document, when it sent one. */
export function detailOf(body: unknown, fallback: string): string {
  const detail = (body as { detail?: unknown } | undefined)?.detail
  return typeof detail === 'string' && detail ? detail : fallback
}

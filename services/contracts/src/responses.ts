import { Type, type TRef } from '@sinclair/typebox'
import { STATUS_CODES } from 'node:http'

/** The content type of every error answer (RFC 9457), as kit's error handler sends it. */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

export interface ProblemResponse {
  description: string
  content: { [PROBLEM_MEDIA_TYPE]: { schema: TRef } }
}

/**
 * A route's error answers as they go over the wire: `problem+json` bodies of the shared `Problem`
 * schema (registered by kit), so the OpenAPI document and its fuzzing see the real content type.
 * Spread next to the success schemas: `response: { 200: Cart, ...problemResponses(400, 404) }`.
 */
export function problemResponses<S extends number>(...statuses: S[]): Record<S, ProblemResponse> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: STATUS_CODES[status] ?? 'Error',
        content: { [PROBLEM_MEDIA_TYPE]: { schema: Type.Ref('Problem') } },
      },
    ]),
  ) as Record<S, ProblemResponse>
}

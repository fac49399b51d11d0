import { Type, type Static } from '@sinclair/typebox'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { trace, SpanStatusCode } from '@opentelemetry/api'

/** RFC 9457 problem details; every error the services answer has this shape. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
    ),
  },
  { $id: 'Problem' },
)
export type Problem = Static<typeof Problem>

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** An error the caller can act on: thrown by repositories and routes, rendered as a problem. */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    detail: string,
    readonly type = 'about:blank',
  ) {
    super(detail)
    this.name = 'HttpProblem'
  }
}

export const notFound = (what: string): HttpProblem => new HttpProblem(404, `${what} not found`)
export const conflict = (detail: string): HttpProblem => new HttpProblem(409, detail)

export function problem(status: number, detail: string, instance?: string): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(instance ? { instance } : {}),
  }
}

type ValidationItem = { instancePath?: string; params?: Record<string, unknown>; message?: string }

function fieldOf(item: ValidationItem, context: string | undefined): string {
  const missing = item.params?.missingProperty
  const path = `${item.instancePath ?? ''}${missing ? `/${String(missing)}` : ''}`
  return `${context ?? 'body'}${path.replaceAll('/', '.')}`
}

/** Client mistakes keep their 4xx and message; anything else is a 500 with no internals. */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
  let body: Problem
  if (error.validation) {
    body = {
      ...problem(400, 'The request is not valid', request.url),
      type: 'https://shopscope.dev/problems/validation',
      errors: (error.validation as ValidationItem[]).map((v) => ({
        field: fieldOf(v, error.validationContext),
        message: v.message ?? 'is invalid',
      })),
    }
  } else if (status < 500) {
    body = problem(status, error.message, request.url)
    if (error instanceof HttpProblem) body.type = error.type
  } else {
    const span = trace.getActiveSpan()
    span?.recordException(error)
    span?.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
    request.log.error({ err: error }, 'request failed')
    body = problem(
      status,
      status === 503 ? error.message : 'An unexpected error occurred',
      request.url,
    )
  }
  if (status === 429 || status === 503)
    reply.header('retry-after', reply.getHeader('retry-after') ?? '5')
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(body)
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(404)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(404, `No route for ${request.method} ${request.url.split('?')[0]}`, request.url))
}

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { trace, SpanStatusCode } from '@opentelemetry/api'
import {
  Problem,
  PROBLEMS,
  PROBLEM_TYPE_BASE,
  type ProblemMembers,
  type ProblemReason,
} from '@shopscope/contracts'
import { safeError } from './logger'
import { isDatabaseUnavailable, scrubDatabaseError } from './db-errors'

/** RFC 9457 problem details (the contracts' schema): every error the services answer. */
export { Problem, PROBLEM_TYPE_BASE }

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'
export const DEPENDENCY_UNAVAILABLE = PROBLEMS.dependency_unavailable.type
/** Seconds a client should wait before retrying a 503 or 429. */
export const RETRY_AFTER_SECONDS = 5

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** The default type of a status: `https://shopscope.dev/problems/not-found` for 404. */
export const problemType = (status: number): string =>
  `${PROBLEM_TYPE_BASE}${slug(STATUS_CODES[status] ?? 'error')}`

/** `out_of_stock` for `.../problems/out-of-stock`. */
export const reasonOf = (type: string): string =>
  (type.split('/').pop() ?? 'error').replaceAll('-', '_')

/** An error the caller can act on: thrown by repositories and routes, rendered as a problem. */
export class HttpProblem extends Error {
  readonly type: string
  constructor(
    readonly statusCode: number,
    detail: string,
    type?: string,
    /** Machine-readable members, e.g. `{ productId: 3 }`; `reason` defaults to the type's. */
    readonly members: ProblemMembers = {},
  ) {
    super(detail)
    this.name = 'HttpProblem'
    this.type = type ?? problemType(statusCode)
  }
}

/** A failure passed on from a dependency: 503, `dependency-unavailable`, with Retry-After. */
export class DependencyUnavailable extends HttpProblem {
  constructor(
    readonly dependency: string,
    detail: string,
  ) {
    super(503, detail, DEPENDENCY_UNAVAILABLE, { reason: 'dependency_unavailable', dependency })
    this.name = 'DependencyUnavailable'
  }
}

/** One of the problems of the contracts, with its status, type URI and `reason` filled in. */
export function problemFor(
  reason: ProblemReason,
  detail: string,
  members: Omit<ProblemMembers, 'reason'> = {},
): HttpProblem {
  const { status, type } = PROBLEMS[reason]
  return new HttpProblem(status, detail, type, { reason, ...members })
}

export const notFound = (what: string): HttpProblem => new HttpProblem(404, `${what} not found`)
export const conflict = (detail: string): HttpProblem => new HttpProblem(409, detail)

export function problem(
  status: number,
  detail: string,
  instance?: string,
  type = problemType(status),
): Problem {
  return {
    type,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    reason: reasonOf(type),
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

/** The problem answered for `error`; database outages become dependency-unavailable 503s. */
export function problemOf(error: FastifyError, instance?: string): Problem {
  if (isDatabaseUnavailable(error)) {
    return {
      ...problem(503, 'The database is unavailable', instance, DEPENDENCY_UNAVAILABLE),
      dependency: 'database',
    }
  }
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500
  if (error.validation) {
    return {
      ...problem(400, 'The request is not valid', instance, PROBLEMS.validation.type),
      errors: (error.validation as ValidationItem[]).map((v) => ({
        field: fieldOf(v, error.validationContext),
        message: v.message ?? 'is invalid',
      })),
    }
  }
  if (error instanceof HttpProblem) {
    const { reason, ...members } = error.members
    const body = problem(status, error.message, instance, error.type)
    return { ...body, ...members, reason: reason ?? body.reason }
  }
  if (status < 500) return problem(status, error.message, instance)
  return problem(status, 'An unexpected error occurred', instance)
}

/**
 * The request span's status for a failed request, never the error's raw message, which can quote
 * the request (a 4xx detail names a reservation id; a JSON parse error may quote the body): a 5xx
 * gets the scrubbed message, a 4xx the problem's reason. The bootstrap's server hook sets only a
 * bare ERROR on a 5xx and keeps this one. Every error handler calls it, the frontend's too.
 */
export function setSafeSpanStatus(error: FastifyError, body: Problem = problemOf(error)): void {
  trace.getActiveSpan()?.setStatus({
    code: SpanStatusCode.ERROR,
    message: body.status >= 500 ? safeError(error).message : body.reason,
  })
}

/**
 * Client mistakes keep their 4xx and message; a failed dependency is a 503 naming it; anything
 * else is a 500 with no internals. Logs and spans get the error without SQL or values.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // In place: Fastify's onError hooks and the request span see this same object afterwards.
  scrubDatabaseError(error)
  const body = problemOf(error, request.url)
  const span = trace.getActiveSpan()
  const safe = safeError(error)
  if (body.dependency === 'database') {
    request.log.warn({ err: error, dependency: 'database' }, 'database unavailable')
  } else if (body.status >= 500) {
    span?.recordException(safe)
    request.log.error({ err: error }, 'request failed')
  }
  setSafeSpanStatus(error, body)
  if (body.status === 429 || body.status === 503)
    reply.header('retry-after', reply.getHeader('retry-after') ?? String(RETRY_AFTER_SECONDS))
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body)
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/**
 * The other methods the request's path has routes for: a 405's `Allow`, none for a path that
 * does not exist. `catchAll`: matches of a `/*` route that answers every address (the frontend's
 * 404 page) do not count.
 */
export function allowedMethods(request: FastifyRequest, { catchAll = false } = {}): string[] {
  const url = request.url.split('?')[0] ?? ''
  return METHODS.filter((method) => {
    if (method === request.method) return false
    const found = request.server.findRoute({ method, url })
    // Typed as always found, null at run time for an address no route of `method` matches.
    return Boolean(found) && !(catchAll && '*' in found.params)
  })
}

/** 405 with `Allow` when the path has routes for other methods (TRACE among them), else 404. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0] ?? ''
  const allowed = allowedMethods(request)
  if (allowed.length > 0) {
    return reply
      .code(405)
      .header('allow', allowed.join(', '))
      .type(PROBLEM_CONTENT_TYPE)
      .send(problem(405, `${request.method} is not allowed on ${path}`, request.url))
  }
  return reply
    .code(404)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problem(404, `No route for ${request.method} ${path}`, request.url))
}

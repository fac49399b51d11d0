import { Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ProductId } from './products'

/** Every problem `type` is a URI under this base; `reason` is the same name in snake_case. */
export const PROBLEM_TYPE_BASE = 'https://shopscope.dev/problems/'

/** The problems a caller acts on, by `reason`: their type URI and status. */
export const PROBLEMS = {
  validation: { type: `${PROBLEM_TYPE_BASE}validation`, status: 400 },
  out_of_stock: { type: `${PROBLEM_TYPE_BASE}out-of-stock`, status: 409 },
  unknown_product: { type: `${PROBLEM_TYPE_BASE}unknown-product`, status: 404 },
  empty_cart: { type: `${PROBLEM_TYPE_BASE}empty-cart`, status: 409 },
  /** The cart was just consumed by another checkout (another tab, another key): one order. */
  cart_checked_out: { type: `${PROBLEM_TYPE_BASE}cart-checked-out`, status: 409 },
  dependency_unavailable: { type: `${PROBLEM_TYPE_BASE}dependency-unavailable`, status: 503 },
  upstream_error: { type: `${PROBLEM_TYPE_BASE}upstream-error`, status: 502 },
  /** A user's bearer token missing, or invalid (signature, exp, claims). */
  token_required: { type: `${PROBLEM_TYPE_BASE}token-required`, status: 401 },
  invalid_token: { type: `${PROBLEM_TYPE_BASE}invalid-token`, status: 401 },
  /** A route only another service may call, without that service's valid token. */
  service_token_required: { type: `${PROBLEM_TYPE_BASE}service-token-required`, status: 401 },
  invalid_service_token: { type: `${PROBLEM_TYPE_BASE}invalid-service-token`, status: 401 },
  too_many_attempts: { type: `${PROBLEM_TYPE_BASE}too-many-attempts`, status: 429 },
  /** Shedding load (e.g. password hashing): refused before any work was done; retry later. */
  too_busy: { type: `${PROBLEM_TYPE_BASE}too-busy`, status: 429 },
  /** A reservation id reused with other lines than the ones it was made with. */
  reservation_conflict: { type: `${PROBLEM_TYPE_BASE}reservation-conflict`, status: 409 },
  /** Releasing a committed reservation: its stock belongs to a confirmed order. */
  reservation_committed: { type: `${PROBLEM_TYPE_BASE}reservation-committed`, status: 409 },
  /** Committing a reservation already released (by its caller or by expiry). */
  reservation_released: { type: `${PROBLEM_TYPE_BASE}reservation-released`, status: 409 },
} as const
export type ProblemReason = keyof typeof PROBLEMS

const Reason = Type.String({ pattern: '^[a-z][a-z0-9_]*$' })
/** A service name ("product-service") or "database". */
const Dependency = Type.String({ minLength: 1, maxLength: 64 })

const base = {
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
} satisfies TProperties

/**
 * RFC 9457 problem details; every error the services answer has this shape. The members after
 * `instance` are machine-readable: callers branch on them, never on the English `detail`.
 */
export const Problem = Type.Object(
  {
    ...base,
    reason: Type.Optional(Reason),
    errors: Type.Optional(
      Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
    ),
    /** out_of_stock, unknown_product: the product concerned. */
    productId: Type.Optional(ProductId),
    /** out_of_stock: the stock left, when known. */
    available: Type.Optional(Type.Integer({ minimum: 0 })),
    /** dependency_unavailable, upstream_error: what failed. Its presence means "passed on". */
    dependency: Type.Optional(Dependency),
  },
  { $id: 'Problem' },
)
export type Problem = Static<typeof Problem>

/** The machine-readable members a thrown problem can carry into its answer. */
export type ProblemMembers = Pick<Problem, 'reason' | 'productId' | 'available' | 'dependency'>

/** product-service refusing a reservation line: order-service names the product by its id. */
export const OutOfStockProblem = Type.Object({
  ...base,
  reason: Type.Literal('out_of_stock'),
  productId: ProductId,
  available: Type.Optional(Type.Integer({ minimum: 0 })),
})
export type OutOfStockProblem = Static<typeof OutOfStockProblem>

export const UnknownProductProblem = Type.Object({
  ...base,
  reason: Type.Literal('unknown_product'),
  productId: ProductId,
})
export type UnknownProductProblem = Static<typeof UnknownProductProblem>

/** A failure a service passes on from its database or an upstream: not its own outage. */
export const PassedOnProblem = Type.Object({
  ...base,
  reason: Type.Union([Type.Literal('dependency_unavailable'), Type.Literal('upstream_error')]),
  dependency: Dependency,
})
export type PassedOnProblem = Static<typeof PassedOnProblem>

/** Whether an answer body is the problem a client expects (the schema is the server's own). */
export function isProblem<T extends TSchema>(schema: T, body: unknown): body is Static<T> {
  return Value.Check(schema, body)
}

/** True for an answer body that names the dependency it passes a failure on from. */
export function isPassedOn(body: unknown): boolean {
  const dependency = (body as { dependency?: unknown } | null | undefined)?.dependency
  return typeof dependency === 'string' && dependency.length > 0
}

/**
 * Each hop tells the next how long it will wait for the answer, in milliseconds: the callee
 * gives up its own calls before the caller gives up on it, so a slow dependency comes back as a
 * 503 passed on (which opens no breaker on the way) instead of timeouts at every hop, and work
 * whose answer nobody waits for any more is not started.
 */
export const BUDGET_HEADER = 'shopscope-budget-ms'

/** A budget above this is a mistake or a lie: no hop waits this long. */
const MAX_BUDGET_MS = 60_000

/**
 * The instant (epoch ms) by which this hop must have answered, from the caller's budget header;
 * undefined without a valid one. A share of the budget (a fifth, at most 500 ms) is kept back for
 * the answer to travel and for the work after the last upstream call.
 */
export function deadlineFromBudget(header: unknown, now = Date.now()): number | undefined {
  if (typeof header !== 'string' || !/^[0-9]{1,9}$/.test(header)) return undefined
  const budget = Math.min(Number(header), MAX_BUDGET_MS)
  return now + budget - Math.min(500, Math.ceil(budget / 5))
}

/**
 * Full-jitter exponential backoff before retry `attempt` (1, 2...): a random wait up to
 * 50 ms × 2^attempt, so callers that failed together do not retry together.
 */
export const backoffMs = (attempt: number): number =>
  Math.round(Math.random() * Math.min(1_000, 50 * 2 ** attempt))

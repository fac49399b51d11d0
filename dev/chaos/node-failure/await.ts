// Waits for several conditions at once, each timed from one moment (the node stopped, or
// started): whichever comes first is timed when it happens, not when an earlier wait ended.
import { ChaosFailure, log, secondsSince, sleep } from '../log'

export interface Condition {
  name: string
  /** Seconds after `since` by which it must hold. */
  timeoutSeconds: number
  /** Whether it holds now; a string says what is still missing. */
  check: () => Promise<true | string>
}

/** Seconds after `since` at which each condition first held. */
export async function awaitAll(
  since: number,
  sinceWhat: string,
  conditions: Condition[],
  pollSeconds: number,
  onPoll: () => Promise<void> = async () => {},
): Promise<Map<string, number>> {
  const met = new Map<string, number>()
  const missing = new Map<string, string>()
  while (met.size < conditions.length) {
    await onPoll().catch(() => {})
    for (const condition of conditions.filter((c) => !met.has(c.name))) {
      const result = await condition.check().catch((err: Error) => err.message.split('\n')[0]!)
      if (result === true) {
        met.set(condition.name, secondsSince(since))
        log(`${condition.name}: ${met.get(condition.name)} s after ${sinceWhat}`)
      } else if (secondsSince(since) > condition.timeoutSeconds) {
        throw new ChaosFailure(
          `${condition.name}: not within ${condition.timeoutSeconds} s after ${sinceWhat} (${result})`,
        )
      } else if (missing.get(condition.name) !== result) {
        missing.set(condition.name, result)
        log(`waiting for ${condition.name}: ${result}`)
      }
    }
    if (met.size < conditions.length) await sleep(pollSeconds * 1000)
  }
  return met
}

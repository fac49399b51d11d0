// Every line of a chaos scenario carries the time it was written.

/** A check of the scenario that did not hold: the run ends non-zero with this message. */
export class ChaosFailure extends Error {}

export const log = (message: string) => {
  for (const line of message.split('\n')) console.log(`${new Date().toISOString()} ${line}`)
}

export const secondsSince = (at: number) => Math.round((Date.now() - at) / 1000)

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A number of seconds from the environment, else the default. */
export function seconds(name: string, fallback: number): number {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  const parsed = Number(value)
  if (!Number.isFinite(parsed) || parsed <= 0) throw new ChaosFailure(`${name}=${value}: seconds`)
  return parsed
}

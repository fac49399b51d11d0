const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls `probe` until it returns something other than false/undefined, and returns that. Errors
 * thrown by the probe (a backend still starting) count as "not yet".
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | false | undefined>,
  timeoutMs = 30_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== false && value !== undefined) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${timeoutMs} ms${lastError ? ` (${String(lastError)})` : ''}`,
      )
    }
    await sleep(intervalMs)
  }
}

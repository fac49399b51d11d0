import { bootstrapLog } from './log'

/** Time for the service to drain in-flight requests whose spans should still be exported. */
const DRAIN_GRACE_MS = 1_500

/**
 * Flushes on SIGTERM without deciding when the process ends: the service (kit's runService)
 * drains and exits on its own. Only when nobody else handles SIGTERM does the bootstrap
 * restore the default behaviour and end the process after flushing.
 */
export function flushOnSigterm(sdk: { shutdown(): Promise<void> }, flush: () => Promise<void>) {
  let done: Promise<void> | undefined
  const shutdown = () => {
    done ??= sdk.shutdown().catch((err: unknown) => {
      bootstrapLog('warn', 'telemetry shutdown failed', { detail: String(err) })
    })
    return done
  }
  const onSigterm = () => {
    const othersHandleIt = process.listenerCount('SIGTERM') > 0
    void flush().catch(() => undefined)
    if (!othersHandleIt) {
      void shutdown().then(() => process.kill(process.pid, 'SIGTERM'))
      return
    }
    // The timer must not keep the process alive: the service decides when it ends.
    setTimeout(() => void shutdown(), DRAIN_GRACE_MS).unref()
    process.once('beforeExit', () => void shutdown())
  }
  process.once('SIGTERM', onSigterm)
}

/**
 * The telemetry bootstrap, loaded before the service with
 * `node --require <dir>/autoinstrumentation.js` (by hand, or by the OpenTelemetry Operator
 * through NODE_OPTIONS). It must never stop the service from starting.
 */
import { claimTelemetry } from './guard'
import { bootstrapLog } from './log'

const claim = claimTelemetry(__filename)
if (!claim.first) {
  bootstrapLog('info', 'telemetry already started by another bootstrap; this one does nothing', {
    bootstrap: __filename,
    started_by: claim.by,
  })
} else {
  try {
    // Loaded here, not imported above: a broken SDK install must not crash the service.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startTelemetry } = require('./sdk') as typeof import('./sdk')
    startTelemetry(__filename)
  } catch (err) {
    bootstrapLog('error', 'telemetry failed to start; the service runs without it', {
      detail: err instanceof Error ? err.stack : String(err),
    })
  }
}

/**
 * The Jaeger UI's config file (extensions.jaeger_query.ui.config_file): a link on each trace to
 * its logs, in the logs UI of the environment. One module, so that the cluster's Jaeger and the
 * local stack's write the same file.
 */

/** Where a browser opens a trace's logs. */
export type LogsUi =
  /** VictoriaLogs' web UI (vmui), at `url` (e.g. http://localhost:9428). */
  | { readonly kind: 'victorialogs'; readonly url: string }
  /** Grafana's Explore on its Loki datasource `datasourceUid`, Grafana at `url`. */
  | { readonly kind: 'loki'; readonly url: string; readonly datasourceUid: string }

/** A Jaeger UI link pattern on traces (jaeger-ui's src/model/link-patterns.tsx). */
export interface TraceLinkPattern {
  readonly type: 'traces'
  readonly url: string
  readonly text: string
}

export interface JaegerUiConfig {
  readonly linkPatterns: TraceLinkPattern[]
}

/** The file name Jaeger reads it under: the extension chooses the format (.json or .js). */
export const JAEGER_UI_CONFIG_FILE = 'ui-config.json'

// Jaeger UI fills #{...} from the trace (times in microseconds since the epoch), each value
// URL-encoded; the rest of the URL is taken as written, so it is encoded here.
const TRACE_ID = '#{traceID}'
const MARGIN_US = 5 * 60 * 1_000_000
const FROM = `#{startTime | add -${MARGIN_US} | epoch_micros_to_date_iso}`
const TO = `#{endTime | add ${MARGIN_US} | epoch_micros_to_date_iso}`

/** encodeURIComponent, keeping the #{...} parameters Jaeger UI fills in. */
function encodeKeeping(text: string, parameters: string[]): string {
  let encoded = text
  parameters.forEach((p, i) => (encoded = encoded.split(p).join(`JAEGERPARAM${i}X`)))
  encoded = encodeURIComponent(encoded)
  parameters.forEach((p, i) => (encoded = encoded.split(`JAEGERPARAM${i}X`).join(p)))
  return encoded
}

function logsUrl(logs: LogsUi): string {
  const base = logs.url.replace(/\/+$/, '')
  if (logs.kind === 'victorialogs') {
    // vmui's hash route reads `query` (LogsQL: OTLP logs keep the trace id in the field
    // trace_id) and the g0.* time range (pages/QueryPage/hooks/useTimePeriod.ts).
    const query = encodeURIComponent(`trace_id:"`) + TRACE_ID + encodeURIComponent(`"`)
    return (
      `${base}/select/vmui/#/?query=${query}&g0.end_input=${TO}` +
      `&g0.range_input=15m&g0.relative_time=none`
    )
  }
  // Grafana Explore's URL state: one pane, the Loki query by the structured metadata trace_id
  // that Loki's OTLP ingestion keeps, over the trace's time +- 5 min.
  const datasource = { type: 'loki', uid: logs.datasourceUid }
  const pane = {
    datasource: logs.datasourceUid,
    queries: [{ refId: 'A', datasource, expr: `{service_name=~".+"} | trace_id="${TRACE_ID}"` }],
    range: { from: FROM, to: TO },
  }
  const panes = encodeKeeping(JSON.stringify({ logs: pane }), [TRACE_ID, FROM, TO])
  return `${base}/explore?schemaVersion=1&orgId=1&panes=${panes}`
}

/** The Jaeger UI config linking each trace to its logs in `logs`. */
export function jaegerUiConfig(logs: LogsUi): JaegerUiConfig {
  const where = logs.kind === 'victorialogs' ? 'VictoriaLogs' : 'Grafana (Loki)'
  return { linkPatterns: [{ type: 'traces', url: logsUrl(logs), text: `Logs in ${where}` }] }
}

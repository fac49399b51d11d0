import type { OtlpLogRecord, OtlpSpan } from '@shopscope/tests/harness'

/**
 * Where secrets ended up. The OTLP payloads are searched as received (protobuf bytes), so the
 * check sees everything a backend would store, not only what the decoders pick out; the decoded
 * spans and log records then say where a hit sits, for the failure message.
 */
export interface Outputs {
  /** Every OTLP export request body (traces, logs, metrics). */
  payloads: Buffer[]
  spans: OtlpSpan[]
  logs: OtlpLogRecord[]
  /** Name → text, e.g. each service's stdout and stderr. */
  texts: Record<string, string>
}

function placesInSpans(spans: OtlpSpan[], secret: string): string[] {
  const places = new Set<string>()
  for (const span of spans) {
    const fields = {
      name: span.name,
      attributes: span.attributes,
      'event attributes': span.eventDetails,
      'status message': span.statusMessage,
      resource: span.resource,
    }
    for (const [field, value] of Object.entries(fields)) {
      if (JSON.stringify(value).includes(secret)) {
        places.add(`span '${span.name}' (${span.scope}) ${field}`)
      }
    }
  }
  return [...places]
}

function placesInLogs(logs: OtlpLogRecord[], secret: string): string[] {
  const places = new Set<string>()
  for (const record of logs) {
    if (JSON.stringify(record).includes(secret)) places.add(`log record '${String(record.body)}'`)
  }
  return [...places]
}

/** One line per secret and place it was found, e.g. `email (alice) in span 'x' status message`. */
export function findLeaks(secrets: Record<string, string>, outputs: Outputs): string[] {
  const leaks: string[] = []
  for (const [what, secret] of Object.entries(secrets)) {
    if (outputs.payloads.some((payload) => payload.includes(secret))) {
      const places = [
        ...placesInSpans(outputs.spans, secret),
        ...placesInLogs(outputs.logs, secret),
      ]
      leaks.push(`${what} in OTLP: ${places.length > 0 ? places.join('; ') : 'undecoded field'}`)
    }
    for (const [name, text] of Object.entries(outputs.texts)) {
      if (text.includes(secret)) leaks.push(`${what} in ${name}`)
    }
  }
  return leaks
}

/**
 * Just enough protobuf to read OTLP export requests (opentelemetry-proto field numbers): the
 * installed exporters ship a writer only, so the test receiver (tests/telemetry/otlp-receiver.ts)
 * decodes the wire format itself.
 */
type Field = { wire: number; value: bigint | Buffer }
type Message = Map<number, Field[]>

function varint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n
  let shift = 0n
  for (;;) {
    const byte = buf[pos++]
    if (byte === undefined) throw new Error('truncated varint')
    result |= BigInt(byte & 0x7f) << shift
    if ((byte & 0x80) === 0) return [result, pos]
    shift += 7n
  }
}

export function decodeMessage(buf: Buffer): Message {
  const fields: Message = new Map()
  let pos = 0
  while (pos < buf.length) {
    const [tag, next] = varint(buf, pos)
    pos = next
    const number = Number(tag >> 3n)
    const wire = Number(tag & 7n)
    let value: bigint | Buffer
    if (wire === 0) [value, pos] = varint(buf, pos)
    else if (wire === 1) [value, pos] = [buf.subarray(pos, pos + 8), pos + 8]
    else if (wire === 5) [value, pos] = [buf.subarray(pos, pos + 4), pos + 4]
    else if (wire === 2) {
      const [length, start] = varint(buf, pos)
      value = buf.subarray(start, start + Number(length))
      pos = start + Number(length)
    } else throw new Error(`unsupported wire type ${wire}`)
    fields.set(number, [...(fields.get(number) ?? []), { wire, value }])
  }
  return fields
}

const all = (m: Message, n: number) => (m.get(n) ?? []).map((f) => f.value)
const bytes = (m: Message, n: number) => all(m, n).at(-1) as Buffer | undefined
const messages = (m: Message, n: number) => all(m, n).map((b) => decodeMessage(b as Buffer))
const str = (m: Message, n: number) => bytes(m, n)?.toString('utf8') ?? ''
const num = (m: Message, n: number) => Number((all(m, n).at(-1) as bigint | undefined) ?? 0n)
const hex = (m: Message, n: number) => bytes(m, n)?.toString('hex') ?? ''
const fixed64 = (m: Message, n: number) => bytes(m, n)?.readBigUInt64LE(0) ?? 0n

export type Value = string | number | boolean | Value[] | { [key: string]: Value } | null

function anyValue(m: Message): Value {
  if (m.has(1)) return str(m, 1)
  if (m.has(2)) return num(m, 2) === 1
  if (m.has(3)) return Number(BigInt.asIntN(64, all(m, 3).at(-1) as bigint))
  if (m.has(4)) return (bytes(m, 4) as Buffer).readDoubleLE(0)
  if (m.has(5)) return messages(messages(m, 5)[0] ?? new Map(), 1).map(anyValue)
  if (m.has(6)) return attributes(messages(m, 6)[0] ?? new Map(), 1)
  if (m.has(7)) return (bytes(m, 7) as Buffer).toString('hex')
  return null
}

function attributes(m: Message, n: number): Record<string, Value> {
  const out: Record<string, Value> = {}
  for (const kv of messages(m, n)) out[str(kv, 1)] = anyValue(messages(kv, 2)[0] ?? new Map())
  return out
}

export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer */
  kind: number
  durationMs: number
  attributes: Record<string, Value>
  events: string[]
  /** The same events with their attributes (exception.message, exception.stacktrace...). */
  eventDetails: { name: string; attributes: Record<string, Value> }[]
  /** 0 unset, 1 ok, 2 error */
  statusCode: number
  statusMessage: string
  scope: string
  resource: Record<string, Value>
}

export interface OtlpLogRecord {
  body: Value
  severityText: string
  traceId: string
  spanId: string
  attributes: Record<string, Value>
  scope: string
  resource: Record<string, Value>
}

export interface OtlpDataPoint {
  metric: string
  unit: string
  attributes: Record<string, Value>
  /** How many values a histogram or summary point holds (cumulative by default); else undefined. */
  count?: number
  scope: string
  resource: Record<string, Value>
}

/** Walks resource → scope → item, the same shape for all three signals. */
function flatten<T>(
  body: Buffer,
  read: (item: Message, scope: string, resource: Record<string, Value>) => T[],
): T[] {
  const out: T[] = []
  for (const resourceItems of messages(decodeMessage(body), 1)) {
    const resource = attributes(messages(resourceItems, 1)[0] ?? new Map(), 1)
    for (const scopeItems of messages(resourceItems, 2)) {
      const scope = str(messages(scopeItems, 1)[0] ?? new Map(), 1)
      for (const item of messages(scopeItems, 2)) out.push(...read(item, scope, resource))
    }
  }
  return out
}

export const decodeSpans = (body: Buffer): OtlpSpan[] =>
  flatten(body, (s, scope, resource) => [
    {
      traceId: hex(s, 1),
      spanId: hex(s, 2),
      parentSpanId: hex(s, 4),
      name: str(s, 5),
      kind: num(s, 6),
      durationMs: Number(fixed64(s, 8) - fixed64(s, 7)) / 1e6,
      attributes: attributes(s, 9),
      events: messages(s, 11).map((e) => str(e, 2)),
      eventDetails: messages(s, 11).map((e) => ({ name: str(e, 2), attributes: attributes(e, 3) })),
      statusCode: num(messages(s, 15)[0] ?? new Map(), 3),
      statusMessage: str(messages(s, 15)[0] ?? new Map(), 2),
      scope,
      resource,
    },
  ])

export const decodeLogs = (body: Buffer): OtlpLogRecord[] =>
  flatten(body, (r, scope, resource) => [
    {
      body: anyValue(messages(r, 5)[0] ?? new Map()),
      severityText: str(r, 3),
      traceId: hex(r, 9),
      spanId: hex(r, 10),
      attributes: attributes(r, 6),
      scope,
      resource,
    },
  ])

/** Gauge 5, sum 7, histogram 9, exponential histogram 10, summary 11: each point's attributes. */
const POINTS: Array<[number, number]> = [
  [5, 7],
  [7, 7],
  [9, 9],
  [10, 1],
  [11, 7],
]

export const decodeMetrics = (body: Buffer): OtlpDataPoint[] =>
  flatten(body, (metric, scope, resource) =>
    POINTS.flatMap(([dataField, attributesField]) =>
      messages(metric, dataField).flatMap((data) =>
        messages(data, 1).map((point) => ({
          metric: str(metric, 1),
          unit: str(metric, 3),
          attributes: attributes(point, attributesField),
          // Field 4, fixed64, in the histogram, exponential histogram and summary points.
          count: dataField >= 9 ? Number(fixed64(point, 4)) : undefined,
          scope,
          resource,
        })),
      ),
    ),
  )

/**
 * Just enough of the protobuf wire format to read OTLP trace and log export requests: the local
 * sink stands in for Jaeger and Loki, and the fields below are all the tests ask about.
 * Field numbers: opentelemetry-proto v1 (trace.proto, logs.proto, common.proto, resource.proto).
 */

type Field = { no: number; wire: number; value: bigint | Buffer }

function readVarint(buf: Buffer, pos: number): [bigint, number] {
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

function fields(buf: Buffer): Field[] {
  const out: Field[] = []
  let pos = 0
  while (pos < buf.length) {
    const [key, next] = readVarint(buf, pos)
    pos = next
    const no = Number(key >> 3n)
    const wire = Number(key & 7n)
    if (wire === 0) {
      const [value, after] = readVarint(buf, pos)
      out.push({ no, wire, value })
      pos = after
    } else if (wire === 1) {
      out.push({ no, wire, value: buf.readBigUInt64LE(pos) })
      pos += 8
    } else if (wire === 2) {
      const [len, after] = readVarint(buf, pos)
      out.push({ no, wire, value: buf.subarray(after, after + Number(len)) })
      pos = after + Number(len)
    } else if (wire === 5) {
      out.push({ no, wire, value: BigInt(buf.readUInt32LE(pos)) })
      pos += 4
    } else {
      throw new Error(`unsupported wire type ${wire}`)
    }
  }
  return out
}

const bytes = (f: Field[], no: number) =>
  f.filter((x) => x.no === no && x.wire === 2).map((x) => x.value as Buffer)
const first = (f: Field[], no: number) => f.find((x) => x.no === no)
const text = (f: Field[], no: number) => (bytes(f, no)[0] ?? Buffer.alloc(0)).toString('utf8')
const num = (f: Field[], no: number) => Number((first(f, no)?.value as bigint | undefined) ?? 0n)
const hex = (f: Field[], no: number) => (bytes(f, no)[0] ?? Buffer.alloc(0)).toString('hex')

export type Attributes = Record<string, string | number | boolean>

function anyValue(buf: Buffer): string | number | boolean {
  const f = fields(buf)[0]
  if (!f) return ''
  if (f.no === 1) return (f.value as Buffer).toString('utf8')
  if (f.no === 2) return f.value === 1n
  if (f.no === 3) return Number(BigInt.asIntN(64, f.value as bigint))
  if (f.no === 4) return (f.value as Buffer).length === 8 ? (f.value as Buffer).readDoubleLE(0) : 0
  // Arrays, maps and bytes: the tests never look inside them.
  return `<${f.no}>`
}

function attributes(buf: Buffer[]): Attributes {
  const out: Attributes = {}
  for (const kv of buf) {
    const f = fields(kv)
    out[text(f, 1)] = anyValue(bytes(f, 2)[0] ?? Buffer.alloc(0))
  }
  return out
}

const resourceAttributes = (f: Field[]) =>
  attributes(bytes(fields(bytes(f, 1)[0] ?? Buffer.alloc(0)), 1))

export interface Span {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  kind: number
  serviceName: string
  durationMs: number
  /** 0 unset, 1 ok, 2 error */
  statusCode: number
  attributes: Attributes
}

export function decodeTraces(body: Buffer): Span[] {
  const spans: Span[] = []
  for (const rs of bytes(fields(body), 1)) {
    const rsf = fields(rs)
    const serviceName = String(resourceAttributes(rsf)['service.name'] ?? '')
    for (const ss of bytes(rsf, 2)) {
      for (const raw of bytes(fields(ss), 2)) {
        const s = fields(raw)
        const start = (first(s, 7)?.value as bigint | undefined) ?? 0n
        const end = (first(s, 8)?.value as bigint | undefined) ?? 0n
        spans.push({
          traceId: hex(s, 1),
          spanId: hex(s, 2),
          parentSpanId: hex(s, 4),
          name: text(s, 5),
          kind: num(s, 6),
          serviceName,
          durationMs: Number(end - start) / 1e6,
          statusCode: num(fields(bytes(s, 15)[0] ?? Buffer.alloc(0)), 3),
          attributes: attributes(bytes(s, 9)),
        })
      }
    }
  }
  return spans
}

export interface LogRecord {
  serviceName: string
  severityText: string
  body: string
  traceId: string
  attributes: Attributes
}

export function decodeLogs(body: Buffer): LogRecord[] {
  const records: LogRecord[] = []
  for (const rl of bytes(fields(body), 1)) {
    const rlf = fields(rl)
    const serviceName = String(resourceAttributes(rlf)['service.name'] ?? '')
    for (const sl of bytes(rlf, 2)) {
      for (const raw of bytes(fields(sl), 2)) {
        const r = fields(raw)
        records.push({
          serviceName,
          severityText: text(r, 3),
          body: String(anyValue(bytes(r, 5)[0] ?? Buffer.alloc(0))),
          traceId: hex(r, 9),
          attributes: attributes(bytes(r, 6)),
        })
      }
    }
  }
  return records
}

/**
 * Stands in for Jaeger (OTLP gRPC) and Loki (OTLP/HTTP under /otlp) on the local stack: the
 * collector exports to it exactly as it does to the real backends, and it keeps the most recent
 * spans and log records in memory for the scenario tests to query.
 *
 *   POST /otlp/v1/logs                       Loki's native OTLP logs endpoint
 *   gRPC TraceService/Export                 Jaeger's OTLP receiver
 *   GET  /api/stats                          counts per service
 *   GET  /api/spans?service=&name=&minDurationMs=&traceId=
 *   GET  /api/logs?service=&traceId=
 *
 * With `refuse`, it answers every export with a permanent error (gRPC INVALID_ARGUMENT, HTTP 400)
 * as a backend rejecting the data would: the collector counts it as failed at once, no retry.
 *
 * Run: SINK_GRPC_PORT=… SINK_HTTP_PORT=… node --import tsx scripts/local/otlp-sink.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { gunzipSync } from 'node:zlib'
import * as grpc from '@grpc/grpc-js'
// The file, not the harness index: the sink must not load the test database helpers.
import {
  decodeLogs,
  decodeSpans,
  type OtlpLogRecord,
  type OtlpSpan,
} from '../../tests/harness/otlp-proto'

const MAX_SPANS = 50_000
const MAX_LOGS = 20_000

const spans: OtlpSpan[] = []
const logs: OtlpLogRecord[] = []

function keep<T>(store: T[], items: T[], max: number) {
  store.push(...items)
  if (store.length > max) store.splice(0, store.length - max)
}

const serviceOf = (item: OtlpSpan | OtlpLogRecord) => String(item.resource['service.name'] ?? '')

function countByService(items: (OtlpSpan | OtlpLogRecord)[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of items) out[serviceOf(item)] = (out[serviceOf(item)] ?? 0) + 1
  return out
}

const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b }
const traceService: grpc.ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw.serialize,
    requestDeserialize: raw.deserialize,
    responseSerialize: raw.serialize,
    responseDeserialize: raw.deserialize,
  },
}

function startGrpc(port: number, refuse: boolean): Promise<grpc.Server> {
  const server = new grpc.Server()
  server.addService(traceService, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
      if (refuse) {
        done({ code: grpc.status.INVALID_ARGUMENT, details: 'otlp-sink refuses every export' })
        return
      }
      try {
        keep(spans, decodeSpans(call.request), MAX_SPANS)
        // An empty ExportTraceServiceResponse: full success.
        done(null, Buffer.alloc(0))
      } catch (err) {
        done({ code: grpc.status.INVALID_ARGUMENT, details: String(err) })
      }
    },
  })
  return new Promise((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(server),
    ),
  )
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  // The collector's otlphttp exporter compresses with gzip by default.
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function handle(req: IncomingMessage, res: ServerResponse, refuse: boolean) {
  const url = new URL(req.url ?? '/', 'http://sink')
  const q = url.searchParams
  if (req.method === 'POST' && url.pathname === '/otlp/v1/logs' && refuse) {
    json(res, 400, { error: 'otlp-sink refuses every export' })
  } else if (req.method === 'POST' && url.pathname === '/otlp/v1/logs') {
    keep(logs, decodeLogs(await readBody(req)), MAX_LOGS)
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
  } else if (req.method === 'GET' && url.pathname === '/api/stats') {
    json(res, 200, {
      spans: { total: spans.length, byService: countByService(spans) },
      logs: { total: logs.length, byService: countByService(logs) },
    })
  } else if (req.method === 'GET' && url.pathname === '/api/spans') {
    const minMs = Number(q.get('minDurationMs') ?? 0)
    const found = spans.filter(
      (s) =>
        (!q.get('service') || serviceOf(s) === q.get('service')) &&
        (!q.get('name') || s.name === q.get('name')) &&
        (!q.get('traceId') || s.traceId === q.get('traceId')) &&
        s.durationMs >= minMs,
    )
    json(res, 200, { items: found.slice(-500) })
  } else if (req.method === 'GET' && url.pathname === '/api/logs') {
    const found = logs.filter(
      (l) =>
        (!q.get('service') || serviceOf(l) === q.get('service')) &&
        (!q.get('traceId') || l.traceId === q.get('traceId')),
    )
    json(res, 200, { items: found.slice(-500) })
  } else {
    json(res, 404, { error: `no route ${req.method} ${url.pathname}` })
  }
}

export async function startOtlpSink(grpcPort: number, httpPort: number, { refuse = false } = {}) {
  const grpcServer = await startGrpc(grpcPort, refuse)
  const http = createServer((req, res) => {
    handle(req, res, refuse).catch((err: unknown) => {
      process.stderr.write(`otlp-sink: ${req.method} ${req.url}: ${String(err)}\n`)
      json(res, 400, { error: String(err) })
    })
  })
  await new Promise<void>((resolve) => http.listen(httpPort, '127.0.0.1', resolve))
  return {
    async stop() {
      grpcServer.forceShutdown()
      await new Promise((resolve) => http.close(resolve))
    },
  }
}

if (require.main === module) {
  const grpcPort = Number(process.env.SINK_GRPC_PORT)
  const httpPort = Number(process.env.SINK_HTTP_PORT)
  if (!grpcPort || !httpPort) {
    process.stderr.write('otlp-sink: SINK_GRPC_PORT and SINK_HTTP_PORT are required\n')
    process.exit(2)
  }
  void startOtlpSink(grpcPort, httpPort).then(({ stop }) => {
    process.stdout.write(`otlp-sink: gRPC 127.0.0.1:${grpcPort}, HTTP 127.0.0.1:${httpPort}\n`)
    process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
  })
}

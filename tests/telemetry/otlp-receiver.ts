import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { gunzipSync } from 'node:zlib'
import {
  decodeLogs,
  decodeMetrics,
  decodeSpans,
  type OtlpDataPoint,
  type OtlpLogRecord,
  type OtlpSpan,
} from '@shopscope/tests/harness'

/**
 * A real OTLP/HTTP endpoint (protobuf, like the Collector's 4318 receiver) that keeps what it
 * receives, so tests assert on exactly what a service exported.
 */
export interface OtlpReceiver {
  /** http://127.0.0.1:<port>, for OTEL_EXPORTER_OTLP_ENDPOINT */
  endpoint: string
  spans: OtlpSpan[]
  logs: OtlpLogRecord[]
  metrics: OtlpDataPoint[]
  /**
   * Every export request as received (gunzipped protobuf): all a backend is given, whatever the
   * decoders above leave out. Protobuf keeps strings as their UTF-8 bytes, so a search of these
   * finds a value in any attribute, event, status message, name or resource.
   */
  payloads: Buffer[]
  /** Resolves once `check` returns a truthy value; fails with `what` after `timeoutMs`. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>
  /** Serves a connection accepted elsewhere (a collector that comes back on the same port). */
  serve(socket: Socket): void
  close(): Promise<void>
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const body = Buffer.concat(chunks)
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: Pick<OtlpReceiver, 'spans' | 'logs' | 'metrics' | 'payloads'> = {
    spans: [],
    logs: [],
    metrics: [],
    payloads: [],
  }
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const type = request.headers['content-type'] ?? ''
      if (request.method !== 'POST' || !type.startsWith('application/x-protobuf')) {
        response.writeHead(415).end()
        return
      }
      received.payloads.push(body)
      if (request.url === '/v1/traces') received.spans.push(...decodeSpans(body))
      else if (request.url === '/v1/logs') received.logs.push(...decodeLogs(body))
      else if (request.url === '/v1/metrics') received.metrics.push(...decodeMetrics(body))
      else {
        response.writeHead(404).end()
        return
      }
      // An empty Export*ServiceResponse: full success.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    ...received,
    async waitFor(what, check, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const result = check()
        if (result) return result
        if (Date.now() > deadline) throw new Error(`OTLP receiver: timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    serve: (socket) => void server.emit('connection', socket),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

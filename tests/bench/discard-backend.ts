/**
 * Stands in for Jaeger (OTLP gRPC) and Loki (OTLP HTTP) behind the benchmark's collector: it
 * accepts every export without decoding it, so the backends cost the 2 shared cores next to
 * nothing and the collector's "sent" counters measure what really left it.
 */
import { createServer, type Server as HttpServer } from 'node:http'
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js'

const raw = (b: Buffer) => b
const empty = () => Buffer.alloc(0)

const exportService = (path: string): ServiceDefinition => ({
  Export: {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: empty,
    responseDeserialize: raw,
  },
})

export interface DiscardBackend {
  grpcEndpoint: string
  httpEndpoint: string
  /** Export requests received, all signals together. */
  requests(): number
  close(): Promise<void>
}

export async function startDiscardBackend(): Promise<DiscardBackend> {
  let requests = 0
  const grpc = new Server()
  const answer = (_call: unknown, callback: (err: null, value: Buffer) => void) => {
    requests++
    callback(null, Buffer.alloc(0))
  }
  for (const signal of [
    'trace.v1.TraceService',
    'logs.v1.LogsService',
    'metrics.v1.MetricsService',
  ]) {
    grpc.addService(exportService(`/opentelemetry.proto.collector.${signal}/Export`), {
      Export: answer,
    })
  }
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  )
  const http: HttpServer = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      requests++
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const address = http.address()
  const httpPort = typeof address === 'object' && address ? address.port : 0
  return {
    grpcEndpoint: `127.0.0.1:${grpcPort}`,
    httpEndpoint: `http://127.0.0.1:${httpPort}`,
    requests: () => requests,
    close: async () => {
      grpc.forceShutdown()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

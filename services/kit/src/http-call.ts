import { Agent, request, type ClientRequest } from 'node:http'

/** The transport failed; `timeout` when no complete answer came within the time limit. */
export class CallFailed extends Error {
  constructor(readonly reason: 'timeout' | 'unreachable') {
    super(reason)
    this.name = 'CallFailed'
  }
}

/**
 * Keep-alive connections shared by every upstream of the process. node:http rather than fetch:
 * on the shop's hot path (a page = one call) fetch's streams, abort signals and Request objects
 * cost several times the CPU of the call itself (profiles in tests/bench).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 })

/**
 * A request sent on an idle keep-alive connection that the other side closed at that moment (a
 * pod ending its drain closes its idle connections) fails before any answer: the server closed
 * it idle, so it never handled the request, which is sent again on another connection whatever
 * its method (Node's documented remedy, `request.reusedSocket`). Bounded: each such failure
 * also drops that connection from the pool.
 */
const STALE_CONNECTION_RETRIES = 3
const STALE_CONNECTION_ERRORS = new Set(['ECONNRESET', 'EPIPE'])
/**
 * Connecting failed, so nothing was sent: a Service's endpoints still naming a pod that has just
 * exited (kube-proxy has not caught up with the end of its drain) refuse a new connection this
 * way, and the next attempt may reach another pod. Sent again, whatever the method, after a short
 * wait that grows with each attempt, within the same retries and the call's time limit.
 */
const NOT_CONNECTED_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH'])
const NOT_CONNECTED_WAIT_MS = 50

export interface CallOptions {
  method: string
  headers: Record<string, string>
  body?: string
  timeoutMs: number
}

/** One HTTP exchange with the whole answer read as text; never rejects with anything else. */
export function httpCall(
  url: URL,
  options: CallOptions,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let settled = false
    let req: ClientRequest
    const fail = (reason: CallFailed['reason']) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.destroy()
      reject(new CallFailed(reason))
    }
    const send = (retriesLeft: number) => {
      let answered = false
      req = request(
        url,
        {
          agent,
          method: options.method,
          headers: {
            ...options.headers,
            ...(options.body === undefined
              ? {}
              : { 'content-length': Buffer.byteLength(options.body) }),
          },
        },
        (res) => {
          answered = true
          const chunks: Buffer[] = []
          res.on('data', (chunk: Buffer) => chunks.push(chunk))
          res.on('error', () => fail('unreachable'))
          res.on('end', () => {
            if (settled) return
            settled = true
            clearTimeout(timer)
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
          })
        },
      )
      const sent = req
      sent.on('error', (err: NodeJS.ErrnoException) => {
        if (settled) return
        const code = err.code ?? ''
        const stale = sent.reusedSocket && !answered && STALE_CONNECTION_ERRORS.has(code)
        if (retriesLeft === 0) fail('unreachable')
        else if (stale) send(retriesLeft - 1)
        else if (NOT_CONNECTED_ERRORS.has(code)) {
          const attempt = STALE_CONNECTION_RETRIES - retriesLeft + 1
          setTimeout(() => settled || send(retriesLeft - 1), NOT_CONNECTED_WAIT_MS * attempt)
        } else fail('unreachable')
      })
      sent.end(options.body)
    }
    const timer = setTimeout(() => fail('timeout'), options.timeoutMs)
    send(STALE_CONNECTION_RETRIES)
  })
}

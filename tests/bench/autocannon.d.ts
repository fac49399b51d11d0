// The part of autocannon 9's API the benchmark uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
    setupRequest?: (request: Request, context: Record<string, unknown>) => Request
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void
  }
  interface Options {
    url: string
    connections: number
    duration: number
    overallRate?: number
    timeout?: number
    requests?: Request[]
  }
  interface Result {
    requests: { total: number }
    errors: number
    timeouts: number
    duration: number
  }
  interface Instance extends EventEmitter, PromiseLike<Result> {
    on(
      event: 'response',
      listener: (client: unknown, status: number, bytes: number, ms: number) => void,
    ): this
  }
  function autocannon(options: Options): Instance
  namespace autocannon {
    export type { Request, Options, Result, Instance }
  }
  export = autocannon
}

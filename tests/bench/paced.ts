/**
 * The seed's load: a fixed number of users, each sending one request at a steady pace (spread
 * over the interval, not in bursts). autocannon's rate limit sends a second's requests back to
 * back, which measures a burst instead, so this one is paced by hand.
 */
import { Agent, request } from 'node:http'

export interface PacedSpec {
  url: string
  users: number
  /** Requests per second of all users together. */
  rate: number
  expectStatus: number
}

function get(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', () => resolve(0))
    })
    req.setTimeout(10_000, () => req.destroy())
    req.on('error', () => resolve(0))
    req.end()
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))

/** Latencies (ms) and statuses of every request sent during `seconds`. */
export async function pacedRun(spec: PacedSpec, seconds: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.users })
  const interval = (1000 * spec.users) / spec.rate
  const end = performance.now() + seconds * 1000
  const latencies: number[] = []
  let ok = 0
  const user = async (index: number) => {
    // Users start spread over one interval, as independent people would.
    let next = performance.now() + (interval * index) / spec.users
    for (;;) {
      await sleep(next - performance.now())
      if (performance.now() >= end) return
      const start = performance.now()
      const status = await get(spec.url, agent)
      latencies.push(performance.now() - start)
      if (status === spec.expectStatus) ok++
      next += interval
    }
  }
  await Promise.all(Array.from({ length: spec.users }, (_, i) => user(i)))
  agent.destroy()
  return { latencies, ok }
}

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { BUDGET_HEADER, deadlineFromBudget, Upstream, UpstreamUnavailable } from '../src'

/** A real HTTP server that hangs or answers 503, and keeps the budget header of each request. */
let server: Server
let mode: 'hang' | 'outage' = 'hang'
let budgets: string[] = []
let baseUrl = ''

before(async () => {
  server = createServer((req, res) => {
    budgets.push(String(req.headers[BUDGET_HEADER]))
    if (mode === 'hang') return
    res.writeHead(503, { 'content-type': 'application/json' })
    res.end('{"type":"about:blank","title":"Service Unavailable","status":503}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

const upstream = () =>
  new Upstream({ name: 'dep', baseUrl, timeoutMs: 300, retries: 2, failureThreshold: 1 })

describe('deadlines passed from hop to hop', () => {
  it('tells the upstream its budget: its own timeout, or what is left of the deadline', async () => {
    mode = 'hang'
    budgets = []
    await assert.rejects(upstream().request('POST', '/'), /timeout/)
    const dep = upstream()
    await assert.rejects(
      dep.request('POST', '/', { deadline: Date.now() + 100 }),
      UpstreamUnavailable,
    )
    assert.equal(budgets[0], '300')
    // What is left of the deadline, not the 300 ms timeout (no lower bound: a loaded CI machine
    // may take a while to send).
    assert.ok(Number(budgets[1]) <= 100 && Number(budgets[1]) > 0, budgets[1])
    assert.equal(dep.state, 'closed', 'a call cut short by the deadline is not held against it')
  })

  it('starts no attempt after the deadline and opens no circuit for it', async () => {
    budgets = []
    const dep = upstream()
    await assert.rejects(dep.request('GET', '/', { deadline: Date.now() - 1 }), /deadline/)
    assert.deepEqual(budgets, [])
    assert.equal(dep.state, 'closed')
  })

  it('retries a POST only with an Idempotency-Key, after a backoff, within the deadline', async () => {
    mode = 'outage'
    budgets = []
    // Attempts of 1 s: without the deadline a hanging upstream holds the call 3 s and more, so the
    // bound below keeps a wide margin for a loaded machine and still tells the two apart.
    const big = () => new Upstream({ name: 'dep', baseUrl, timeoutMs: 1000, retries: 2 })
    await assert.rejects(big().request('POST', '/'), UpstreamUnavailable)
    assert.equal(budgets.length, 1, 'no key: sent once')
    budgets = []
    const key = { 'idempotency-key': 'a-key-of-16-chars' }
    await assert.rejects(big().request('POST', '/', { headers: key }), UpstreamUnavailable)
    assert.equal(budgets.length, 3, 'with its key: retried')

    mode = 'hang'
    budgets = []
    const started = Date.now()
    const deadline = started + 350
    await assert.rejects(big().request('POST', '/', { headers: key, deadline }))
    assert.ok(Date.now() - started < 1500, `gave up after ${Date.now() - started} ms`)
    assert.ok(budgets.length <= 2, `${budgets.length} attempts`)
  })

  it('reads a budget header into a deadline, keeping a share back for the answer', () => {
    assert.equal(deadlineFromBudget('10000', 0), 9_500)
    assert.equal(deadlineFromBudget('1500', 0), 1_200)
    assert.equal(deadlineFromBudget('999999999', 0), 59_500, 'capped at a minute')
    for (const bad of [undefined, '', '-5', '1e3', '12.5', ['100']]) {
      assert.equal(deadlineFromBudget(bad, 0), undefined, String(bad))
    }
  })
})

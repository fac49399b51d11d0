import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { freePort, startMariaDb, type MariaDb } from '@shopscope/tests/harness'

const RUN_DEMO = join(__dirname, 'fixtures', 'run-demo.ts')
const children: ChildProcess[] = []
const servers: MariaDb[] = []
after(async () => {
  for (const c of children) c.kill('SIGKILL')
  for (const s of servers) await s.stop()
})

async function startDemo(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', RUN_DEMO], {
    env: { ...process.env, LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  const url = `http://127.0.0.1:${port}`
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 15_000)
  return { child, url }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('process lifecycle', () => {
  it('exits 78 naming the bad variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN_DEMO], {
      env: { ...process.env, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    const [code] = await once(child, 'exit')
    assert.equal(code, 78)
    assert.match(output, /PORT/)
  })

  it('drains in-flight requests on SIGTERM, then exits 0', async () => {
    const { child, url } = await startDemo({ DEMO_DELAY_MS: '800', SHUTDOWN_TIMEOUT_MS: '5000' })
    const inFlight = fetch(`${url}/slow`)
    await new Promise((r) => setTimeout(r, 150))
    child.kill('SIGTERM')
    const res = await inFlight
    assert.equal(res.status, 200)
    assert.deepEqual(await res.json(), { done: true })
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
  })

  it('keeps serving for SHUTDOWN_DELAY_MS after SIGTERM: not ready, connections closed', async () => {
    const { child, url } = await startDemo({ SHUTDOWN_DELAY_MS: '1500' })
    assert.equal((await fetch(`${url}/readyz`)).status, 200)
    const signalled = Date.now()
    child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    const ready = await fetch(`${url}/readyz`)
    assert.equal(ready.status, 503)
    assert.equal(((await ready.json()) as { checks: { server: string } }).checks.server, 'closing')
    const served = await fetch(`${url}/healthz`)
    assert.equal(served.status, 200)
    assert.equal(served.headers.get('connection'), 'close')
    const [code] = await once(child, 'exit')
    assert.equal(code, 0)
    assert.ok(Date.now() - signalled >= 1_500, 'exited before its delay')
  })

  it('stops within SHUTDOWN_TIMEOUT_MS when a request never ends', async () => {
    const { child, url } = await startDemo({ DEMO_DELAY_MS: '60000', SHUTDOWN_TIMEOUT_MS: '500' })
    void fetch(`${url}/slow`).catch(() => undefined)
    await new Promise((r) => setTimeout(r, 150))
    const started = Date.now()
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    assert.equal(code, 1)
    assert.ok(Date.now() - started < 3_000)
  })

  it('starts before its database, is live but not ready, then becomes ready by itself', async () => {
    const dbPort = await freePort()
    const { url } = await startDemo({
      DEMO_DATABASE: '1',
      DATABASE_URL: `mysql://shopscope:pw@127.0.0.1:${dbPort}/demo`,
    })
    assert.equal((await fetch(`${url}/healthz`)).status, 200)
    const notReady = await fetch(`${url}/readyz`)
    assert.equal(notReady.status, 503)
    const body = (await notReady.json()) as { checks: Record<string, string> }
    assert.equal(body.checks.database, 'unavailable')

    const server = await startMariaDb(dbPort)
    servers.push(server)
    // The harness creates a random password; give the service's account the one it uses.
    const { createConnection } = await import('mysql2/promise')
    const conn = await createConnection(`${server.url}/`)
    await conn.query(`ALTER USER 'shopscope'@'%' IDENTIFIED BY 'pw'`)
    await conn.end()
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000)
  })
})

// The local stack's ports (dev/local/ports.ts): fixed defaults a person can bookmark,
// overridden by environment; a taken port stops `make local-up` before anything starts, naming
// the port, its variable and its holder; test stacks get exclusive blocks instead.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  assertPortsFree,
  configuredPorts,
  PORT_BLOCKS,
  PORTS,
  reservePortBlock,
  SUGGESTED_OFFSET,
  type PortName,
} from '../../dev/local/ports'

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })

describe('the local stack ports', () => {
  const locks = mkdtempSync(join(tmpdir(), 'shopscope-port-locks-'))
  // Held in the machine's real lock directory for the whole file, so no other stack uses its
  // ports while the tests below lock and unlock it in their own directory.
  let real: Awaited<ReturnType<typeof reservePortBlock>>
  let allBut: Set<number>
  before(async () => {
    real = await reservePortBlock()
    allBut = new Set([...Array(PORT_BLOCKS).keys()].filter((k) => k !== real.block))
    process.env.SHOPSCOPE_PORT_LOCKS = locks
  })
  after(() => {
    delete process.env.SHOPSCOPE_PORT_LOCKS
    real?.release()
    rmSync(locks, { recursive: true, force: true })
  })

  it("defaults to kind's URL table and VictoriaLogs' own port", () => {
    const ports = configuredPorts({})
    assert.deepEqual(
      [ports.shop, ports.jaeger, ports.logs, ports.prometheus, ports.alertmanager],
      [8080, 16686, 9428, 9090, 9093],
    )
    assert.equal(new Set(Object.values(ports)).size, Object.keys(PORTS).length)
  })

  it('takes a port from its variable, shifts the rest by LOCAL_PORT_OFFSET, rejects nonsense', () => {
    const ports = configuredPorts({ LOCAL_SHOP_PORT: '18080', LOCAL_PORT_OFFSET: '1000' })
    assert.equal(ports.shop, 18080)
    assert.equal(ports.jaeger, 17686)
    // The offset the message suggests runs beside a stack (or a kind cluster) on the defaults.
    const shifted = configuredPorts({ LOCAL_PORT_OFFSET: String(SUGGESTED_OFFSET) })
    const defaults = new Set(Object.values(configuredPorts({})))
    assert.deepEqual(
      Object.entries(shifted).filter(([, port]) => defaults.has(port)),
      [],
    )
    assert.throws(() => configuredPorts({ LOCAL_JAEGER_PORT: '16686x' }), /LOCAL_JAEGER_PORT/)
    assert.throws(() => configuredPorts({ LOCAL_PORT_OFFSET: '60000' }), /not a port/)
    assert.throws(
      () => configuredPorts({ LOCAL_LOGS_PORT: '9090' }),
      /LOCAL_PROMETHEUS_PORT and LOCAL_LOGS_PORT are both 9090|LOCAL_LOGS_PORT and LOCAL_PROMETHEUS_PORT are both 9090/,
    )
  })

  it('names a taken port, its variable and what holds it, before starting anything', async () => {
    const { ports } = real
    const holder = await listen(ports.logs)
    try {
      await assert.rejects(assertPortsFree(ports), (err: Error) => {
        assert.match(err.message, new RegExp(`port ${ports.logs} \\(LOCAL_LOGS_PORT, VictoriaLogs`))
        // `ss -ltnp` names this test process as the holder.
        assert.match(err.message, new RegExp(`pid=${process.pid},`))
        assert.match(err.message, /LOCAL_LOGS_PORT=<port> make local-up/)
        assert.doesNotMatch(err.message, /LOCAL_SHOP_PORT/, 'a free port reported taken')
        return true
      })
    } finally {
      holder.close()
    }
    await assertPortsFree(ports)
  })

  it('gives each test stack its own block, locked until released', async () => {
    const a = await reservePortBlock()
    const b = await reservePortBlock()
    try {
      assert.notEqual(a.block, b.block)
      const names = Object.keys(PORTS) as PortName[]
      const shared = names.filter((n) => names.some((m) => a.ports[n] === b.ports[m]))
      assert.deepEqual(shared, [])
      // Below the ephemeral range: no port-0 listener or outgoing connection draws them.
      assert.ok(Math.max(...Object.values(b.ports)) < 32_768)
      assert.deepEqual(readdirSync(locks).sort(), [`block-${a.block}`, `block-${b.block}`].sort())
    } finally {
      a.release()
      b.release()
    }
    assert.deepEqual(readdirSync(locks), [])
  })

  it('skips a block whose holder lives, takes over one whose holder is gone', async () => {
    const block = real.block
    const others = allBut
    writeFileSync(join(locks, `block-${block}`), String(process.ppid))
    await assert.rejects(reservePortBlock(others), /no free port block/)
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    writeFileSync(join(locks, `block-${block}`), gone.stdout.toString())
    const taken = await reservePortBlock(others)
    assert.equal(taken.block, block)
    taken.release()
  })

  it('skips a block with a port held by anything else', async () => {
    const others = allBut
    const holder = await listen(real.ports.recorder)
    try {
      await assert.rejects(reservePortBlock(others), /no free port block/)
    } finally {
      holder.close()
    }
    assert.deepEqual(readdirSync(locks), [], 'a lock left behind by a skipped block')
  })
})

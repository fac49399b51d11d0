import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { SERVICE_NAMES } from '@shopscope/system'
import {
  createTestDatabase,
  freePort,
  TEST_ENV,
  useMariaDb,
  type MariaDb,
} from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from '../telemetry/otlp-receiver'
import { container, imageConfig, type Container } from './buildah'

/** Where the operator mounts the auto-instrumentation it copied out of our image. */
const OPERATOR_MOUNT = '/otel-auto-instrumentation-nodejs'

/** The running process whose environment holds `marker` (the container's, seen from the host). */
function processWithEnv(marker: string): { uid: number; cmdline: string } | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)) continue
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ')
      if (!/^(\S*\/)?node /.test(cmdline)) continue
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
      return { uid, cmdline }
    } catch {
      // the process ended, or is not ours to read
    }
  }
  return undefined
}

describe('the service images', () => {
  for (const service of SERVICE_NAMES) {
    it(`${service}: runs dist/server.js as uid 10001, without build tools`, () => {
      const config = imageConfig(service)
      assert.equal(config.User, '10001:10001')
      assert.deepEqual(config.Cmd, ['node', 'dist/server.js'])
      assert.equal(config.WorkingDir, `/app/services/${service}`)
      const ctr = container(service)
      try {
        const found = ctr.exec([
          'node',
          '-e',
          `for (const m of ['fastify', 'typescript', 'tsx', 'eslint', '@shopscope/tests'])
             { try { require.resolve(m); console.log(m) } catch {} }`,
        ])
        assert.deepEqual(found.split('\n'), ['fastify'], 'only production dependencies')
        assert.match(
          ctr.exec(['node', '-e', 'console.log(require("./package.json").name)']),
          new RegExp(service),
        )
      } finally {
        ctr.remove()
      }
    })
  }
})

describe('product-service image with the auto-instrumentation image, wired as the operator does', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  let database: Awaited<ReturnType<typeof createTestDatabase>>
  let volume: string
  let app: Container
  let server: ChildProcess
  let output = ''
  let url = ''
  const marker = `SHOPSCOPE_IMAGE_TEST=${randomBytes(6).toString('hex')}`

  before(async () => {
    db = await useMariaDb()
    otlp = await startOtlpReceiver()
    database = await createTestDatabase(db, 'products')
    // The operator's init container: `cp -r /autoinstrumentation/. <shared emptyDir>`, as the
    // image's own (non-root) user.
    volume = mkdtempSync(join(tmpdir(), 'otel-auto-'))
    chmodSync(volume, 0o777)
    const init = container('autoinstrumentation-nodejs')
    try {
      init.exec(['cp', '-r', '/autoinstrumentation/.', OPERATOR_MOUNT], {
        volumes: [`${volume}:${OPERATOR_MOUNT}`],
      })
    } finally {
      init.remove()
    }
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    app = container('product-service')
    server = app.start(imageConfig('product-service').Cmd ?? [], {
      volumes: [`${volume}:${OPERATOR_MOUNT}:ro`],
      env: {
        ...TEST_ENV,
        [marker.split('=')[0] ?? '']: marker.split('=')[1] ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: database.url,
        NODE_OPTIONS: `--require ${OPERATOR_MOUNT}/autoinstrumentation.js`,
        OTEL_SERVICE_NAME: 'product-service',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_RESOURCE_ATTRIBUTES: 'k8s.namespace.name=shop,k8s.pod.name=product-service-0',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BLRP_SCHEDULE_DELAY: '200',
      },
    })
    server.stdout?.on('data', (c: Buffer) => (output += c.toString()))
    server.stderr?.on('data', (c: Buffer) => (output += c.toString()))
    const deadline = Date.now() + 60_000
    for (;;) {
      const status = await fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      )
      if (status === 200) break
      if (server.exitCode !== null || Date.now() > deadline) {
        throw new Error(`the container did not become ready:\n${output}`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  })

  after(async () => {
    server?.kill('SIGTERM')
    if (server && server.exitCode === null) await new Promise((r) => server.once('exit', r))
    app?.remove()
    rmSync(volume, { recursive: true, force: true })
    await database?.drop()
    await otlp?.close()
    await db?.stop()
  })

  it('serves the catalog from its migrated database, as uid 10001', async () => {
    const res = await fetch(`${url}/api/v1/products`)
    assert.equal(res.status, 200, output)
    assert.ok(((await res.json()) as { items: unknown[] }).items.length > 0)
    const proc = processWithEnv(marker)
    assert.ok(proc, 'the container process is visible from the host')
    assert.equal(proc.uid, 10001, proc.cmdline)
  })

  it('exports the trace of a request, SQL included, with the operator’s resource attributes', async () => {
    const traceId = randomBytes(16).toString('hex')
    const res = await fetch(`${url}/api/v1/products/2`, {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    })
    assert.equal(res.status, 200)
    const spans = await otlp.waitFor('the request’s server and SQL spans', () => {
      const inTrace = otlp.spans.filter((s) => s.traceId === traceId)
      return (
        inTrace.some((s) => s.kind === 2) &&
        inTrace.some((s) => s.attributes['db.system.name'] === 'mysql') &&
        inTrace
      )
    })
    const serverSpan = spans.find((s) => s.kind === 2)
    assert.equal(serverSpan?.name, 'GET /api/v1/products/:id')
    assert.equal(serverSpan?.resource['service.name'], 'product-service')
    assert.equal(serverSpan?.resource['k8s.pod.name'], 'product-service-0')
  })
})

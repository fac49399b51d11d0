import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useMariaDb, type MariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import {
  FAST_EXPORT_ENV,
  ROOT,
  STAGED_DIR,
  stagedBootstrap,
  startServiceProcess,
  type ServiceProcess,
} from './service-process'

/** What operator-config/instrumentation.yaml tells the operator to inject. */
function instrumentationCr() {
  const cr = readFileSync(join(ROOT, 'operator-config/instrumentation.yaml'), 'utf8')
  const env = Object.fromEntries(
    [...cr.matchAll(/- name: (OTEL_\w+)\n\s+value: '?([^'\n]+)'?/g)].map((m) => [m[1], m[2]]),
  )
  const propagators = /propagators:\n((?:\s+- \S+\n)+)/.exec(cr)?.[1]?.match(/[a-z0-9]+/g) ?? []
  return {
    env,
    endpoint: /endpoint: (\S+)/.exec(cr)?.[1],
    propagators: propagators.join(','),
    sampler: /sampler:\n\s+type: (\S+)\n\s+argument: '?([\d.]+)'?/.exec(cr),
  }
}

/** The env the operator sets on the app container, pointed at the test's receiver. */
/**
 * The Instrumentation samples a tenth of new traces (parentbased_traceidratio): a caller's sampled
 * traceparent is always followed, which is how these requests are sure to be traced.
 */
const sampledTraceparent = () => ({
  traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
})

function operatorEnv(dir: string, endpoint: string): Record<string, string> {
  const cr = instrumentationCr()
  return {
    ...cr.env,
    NODE_OPTIONS: `--require ${dir}/autoinstrumentation.js`,
    OTEL_SERVICE_NAME: 'product-service',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_PROPAGATORS: cr.propagators,
    OTEL_TRACES_SAMPLER: cr.sampler?.[1] ?? '',
    OTEL_TRACES_SAMPLER_ARG: cr.sampler?.[2] ?? '',
    OTEL_NODE_IP: '10.0.0.7',
    OTEL_POD_IP: '10.1.2.3',
    OTEL_RESOURCE_ATTRIBUTES_POD_NAME: 'product-service-7d9f8-abcde',
    OTEL_RESOURCE_ATTRIBUTES_NODE_NAME: 'worker-1',
    OTEL_RESOURCE_ATTRIBUTES:
      'k8s.container.name=product-service,k8s.deployment.name=product-service,' +
      'k8s.namespace.name=shop,k8s.node.name=worker-1,k8s.pod.name=product-service-7d9f8-abcde,' +
      'k8s.replicaset.name=product-service-7d9f8,service.version=0.1.0,' +
      'deployment.environment.name=test',
  }
}

describe('a service started exactly as the operator injects it', () => {
  let db: MariaDb
  let otlp: OtlpReceiver
  const dirs: string[] = []
  const services: ServiceProcess[] = []

  /** The operator's init container: `cp -r /autoinstrumentation/. <volume>`. */
  const copyOfImage = () => {
    stagedBootstrap()
    const dir = mkdtempSync(join(tmpdir(), 'otel-auto-instrumentation-nodejs-'))
    cpSync(STAGED_DIR, dir, { recursive: true })
    dirs.push(dir)
    return dir
  }

  before(async () => {
    db = await useMariaDb()
    otlp = await startOtlpReceiver()
  })
  after(async () => {
    for (const s of services) await s.stop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
    await otlp?.close()
    await db?.stop()
  })

  it('the Instrumentation CR points at the Collector over OTLP/HTTP with all three signals', () => {
    const cr = instrumentationCr()
    assert.equal(cr.endpoint, 'http://shopscope-collector.observability.svc.cluster.local:4318')
    assert.equal(cr.propagators, 'tracecontext,baggage')
    assert.equal(cr.sampler?.[1], 'parentbased_traceidratio')
    assert.equal(cr.env.OTEL_METRICS_EXPORTER, 'otlp')
    assert.equal(cr.env.OTEL_LOGS_EXPORTER, 'otlp')
    assert.equal(cr.env.OTEL_EXPORTER_OTLP_PROTOCOL, 'http/protobuf')
  })

  it('exports spans carrying the pod resource attributes', async () => {
    const service = await startServiceProcess('product-service', {
      db,
      env: { ...operatorEnv(copyOfImage(), otlp.endpoint), ...FAST_EXPORT_ENV },
    })
    services.push(service)
    assert.equal(
      (await fetch(`${service.url}/api/v1/products/1`, { headers: sampledTraceparent() })).status,
      200,
    )
    const span = await otlp.waitFor('a server span', () =>
      otlp.spans.find((s) => s.kind === 2 && s.attributes['http.route'] === '/api/v1/products/:id'),
    )
    assert.equal(span.resource['service.name'], 'product-service')
    assert.equal(span.resource['k8s.namespace.name'], 'shop')
    assert.equal(span.resource['k8s.pod.name'], 'product-service-7d9f8-abcde')
    assert.equal(span.resource['k8s.deployment.name'], 'product-service')
    assert.equal(span.resource['k8s.node.name'], 'worker-1')
    assert.equal(span.resource['service.version'], '0.1.0')
    assert.equal(span.resource['deployment.environment.name'], 'test')
    await service.stop()
  })

  it('initialises once when the operator and the image both --require a bootstrap', async () => {
    const before = otlp.spans.length
    const service = await startServiceProcess('product-service', {
      db,
      requires: [stagedBootstrap()],
      env: { ...operatorEnv(copyOfImage(), otlp.endpoint), ...FAST_EXPORT_ENV },
    })
    services.push(service)
    const telemetry = service.records.filter((r) => r.component === 'telemetry')
    assert.deepEqual(
      telemetry.map((r) => r.message),
      [
        'telemetry started',
        'telemetry already started by another bootstrap; this one does nothing',
      ],
      JSON.stringify(telemetry),
    )
    for (let i = 0; i < 3; i++) {
      await fetch(`${service.url}/api/v1/products/2`, { headers: sampledTraceparent() })
    }
    await otlp.waitFor(
      'three requests',
      () =>
        otlp.spans
          .slice(before)
          .filter((s) => s.attributes['http.route'] === '/api/v1/products/:id').length >= 3 && true,
    )
    await new Promise((r) => setTimeout(r, 1_000)) // duplicates would arrive in a later batch
    const server = otlp.spans.slice(before).filter((s) => s.kind === 2)
    assert.equal(server.length, 3, 'one SERVER span per request, not two')
    await service.stop()
  })
})

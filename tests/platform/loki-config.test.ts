// Loki is AGPL: no binary of it is built here, so its synthesized config is checked by content.
// It is first run for real in the cluster (`make cluster-up`), where a bad key stops the pod.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parse, stringify } from 'yaml'
import { type K8sObject, VERSIONS, readObjects, synthPlatform } from '../../dev/cluster/render'

/**
 * The keys the config may use, with their types: transcribed from the configuration reference
 * (docs/sources/shared/configuration.md) of LOKI_IMAGE's release. A key outside it is a typo or a
 * key Loki does not know, which Loki refuses at start.
 */
const KNOWN_KEYS: Shape = {
  auth_enabled: 'boolean',
  server: { http_listen_port: 'number', grpc_listen_port: 'number', log_level: 'string' },
  common: {
    instance_addr: 'string',
    path_prefix: 'string',
    replication_factor: 'number',
    ring: { kvstore: { store: 'string' } },
    storage: { filesystem: { chunks_directory: 'string', rules_directory: 'string' } },
  },
  schema_config: {
    configs: [
      {
        from: 'string',
        store: 'string',
        object_store: 'string',
        schema: 'string',
        index: { prefix: 'string', period: 'string' },
      },
    ],
  },
  limits_config: {
    allow_structured_metadata: 'boolean',
    volume_enabled: 'boolean',
    retention_period: 'string',
  },
  compactor: {
    working_directory: 'string',
    retention_enabled: 'boolean',
    delete_request_store: 'string',
  },
  pattern_ingester: { enabled: 'boolean' },
  analytics: { reporting_enabled: 'boolean' },
}

type Shape = 'string' | 'number' | 'boolean' | Shape[] | { [key: string]: Shape }
type Config = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML

function unknownKeys(value: unknown, shape: Shape, path: string): string[] {
  if (typeof shape === 'string') {
    return typeof value === shape ? [] : [`${path}: expected a ${shape}, got ${stringify(value)}`]
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`]
    return value.flatMap((item, i) => unknownKeys(item, shape[0]!, `${path}[${i}]`))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${path}: expected a map`]
  }
  return Object.entries(value).flatMap(([key, child]) => {
    const at = path ? `${path}.${key}` : key
    return key in shape ? unknownKeys(child, shape[key]!, at) : [`${at}: not a Loki setting`]
  })
}

interface Deployed {
  /** The StatefulSet's Loki container: ports, probes, mounts. */
  container: Config
  /** Ports of the Service in front of it. */
  servicePorts: Config[]
  /** What the collector exports logs to (OTLP/HTTP). */
  collectorEndpoint: string
  retention: string
}

/** Everything wrong with the config: unknown keys, then settings that break what we rely on. */
function problems(config: Config, deployed: Deployed): string[] {
  const found = unknownKeys(config, KNOWN_KEYS, '')
  const expect = (ok: boolean, problem: string) => {
    if (!ok) found.push(problem)
  }
  const port = (name: string) =>
    deployed.container.ports.find((p: Config) => p.name === name)?.containerPort
  const dataMount = deployed.container.volumeMounts.find(
    (m: Config) => m.name === 'data',
  )?.mountPath
  const onDataVolume = (path: unknown) =>
    typeof path === 'string' && (path === dataMount || path.startsWith(`${dataMount}/`))

  // The collector sends no X-Scope-OrgID header: single tenant.
  expect(config.auth_enabled === false, 'auth_enabled must be false (no tenant header is sent)')
  expect(config.server?.http_listen_port === port('http'), 'http_listen_port ≠ container port')
  expect(config.server?.grpc_listen_port === port('grpc'), 'grpc_listen_port ≠ container port')
  expect(
    deployed.servicePorts.some((p) => p.name === 'http' && p.targetPort === 'http'),
    'the Service does not reach the http port',
  )
  expect(
    deployed.collectorEndpoint ===
      `http://loki.observability.svc.cluster.local:${config.server?.http_listen_port}/otlp/v1/logs`,
    `collector exports to ${deployed.collectorEndpoint}, not Loki's OTLP path`,
  )
  // One replica, nothing to coordinate with.
  expect(config.common?.replication_factor === 1, 'replication_factor must be 1')
  expect(config.common?.ring?.kvstore?.store === 'inmemory', 'ring kvstore must be inmemory')
  for (const [name, path] of Object.entries({
    path_prefix: config.common?.path_prefix,
    chunks_directory: config.common?.storage?.filesystem?.chunks_directory,
    rules_directory: config.common?.storage?.filesystem?.rules_directory,
    'compactor.working_directory': config.compactor?.working_directory,
  })) {
    expect(onDataVolume(path), `${name} (${path}) is not on the data volume ${dataMount}`)
  }
  const schemas: Config[] = config.schema_config?.configs ?? []
  expect(schemas.length === 1, 'one schema period expected')
  for (const schema of schemas) {
    // Structured metadata (the OTLP resource attributes) needs tsdb + v13; retention needs 24h.
    expect(schema.store === 'tsdb' && schema.schema === 'v13', 'schema must be tsdb v13')
    expect(schema.object_store === 'filesystem', 'object_store must be filesystem')
    expect(schema.index?.period === '24h', 'tsdb index period must be 24h')
    expect(Date.parse(schema.from) < Date.now(), 'the schema must start in the past')
  }
  expect(config.limits_config?.allow_structured_metadata === true, 'OTLP needs structured metadata')
  expect(
    config.limits_config?.retention_period === deployed.retention,
    `retention_period must be ${deployed.retention}`,
  )
  // Without the compactor's retention and a delete store, retention_period deletes nothing.
  expect(config.compactor?.retention_enabled === true, 'compactor.retention_enabled must be true')
  expect(config.compactor?.delete_request_store === 'filesystem', 'delete_request_store missing')
  return found
}

const objects = readObjects(synthPlatform().files)
const find = (kind: string, name: string): K8sObject => {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name)
  assert.ok(object, `${kind} ${name} not synthesized`)
  return object
}
const text = find('ConfigMap', 'loki').data!['config.yaml']!
const collector = find('OpenTelemetryCollector', 'shopscope').spec
const deployed: Deployed = {
  container: find('StatefulSet', 'loki').spec.template.spec.containers[0],
  servicePorts: find('Service', 'loki').spec.ports,
  collectorEndpoint: collector.env.find((e: Config) => e.name === 'LOGS_OTLP_ENDPOINT').value,
  retention: '72h',
}

describe('the synthesized Loki config (checked by content: no Loki binary is built)', () => {
  it('uses only known keys and sets storage, schema, retention, ports and OTLP ingestion', () => {
    assert.deepEqual(problems(parse(text), deployed), [])
  })

  it('rejects a misspelled key', () => {
    const found = problems(parse(text.replace('retention_period', 'retention_periodd')), deployed)
    assert.ok(
      found.includes('limits_config.retention_periodd: not a Loki setting'),
      found.join('\n'),
    )
    assert.ok(found.includes('retention_period must be 72h'), found.join('\n'))
  })

  it('rejects a missing setting the retention depends on', () => {
    const config = parse(text)
    delete config.compactor.delete_request_store
    assert.deepEqual(problems(config, deployed), ['delete_request_store missing'])
  })

  it('rejects a port the container does not expose', () => {
    const config = parse(text)
    config.server.http_listen_port = 3101
    const found = problems(config, deployed)
    assert.ok(found.includes('http_listen_port ≠ container port'), found.join('\n'))
  })

  it('runs a Loki 3 image', () => {
    assert.match(VERSIONS.LOKI_IMAGE!, /^docker\.io\/grafana\/loki:3\.\d+\.\d+$/)
  })
})

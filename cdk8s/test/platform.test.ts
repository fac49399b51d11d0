import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseNodeFailureTolerationSeconds } from '../src/inputs'
import {
  COLLECTOR,
  JAEGER,
  NAMESPACES,
  SERVICE_NAMES,
  SERVICES_WITH_DATABASE,
} from '@shopscope/system'
import { type Obj, fixtureInputs, platformObjects } from './fixtures'

const objects = platformObjects()
const all = Object.values(objects).flat()
const find = (kind: string, name: string) => {
  const found = all.find((o) => o.kind === kind && o.metadata.name === name)
  assert.ok(found, `${kind} ${name} not synthesized`)
  return found
}
const nodeFailureTolerations = (seconds: number) =>
  ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  }))
/** The tolerations of the Collector's pods (its CR's) and of Jaeger's (its Deployment's). */
const tracingTolerations = (objects: Obj[]) => {
  const of = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name)
  return {
    collector: of('OpenTelemetryCollector', COLLECTOR.name)?.spec.tolerations,
    jaeger: of('Deployment', JAEGER.name)?.spec.template.spec.tolerations,
  }
}
const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value)

describe('cdk8s platform', () => {
  it('creates the three namespaces, with Pod Security labels, before anything else', () => {
    const names = objects
      .namespaces!.filter((o) => o.kind === 'Namespace')
      .map((o) => o.metadata.name)
      .sort()
    assert.deepEqual(names, [NAMESPACES.shop, NAMESPACES.observability, NAMESPACES.operator].sort())
    assert.equal(
      find('Namespace', 'shop').metadata.labels!['pod-security.kubernetes.io/enforce'],
      'restricted',
    )
  })

  it('puts every namespaced object into one of our namespaces', () => {
    const ours = new Set<string>(Object.values(NAMESPACES))
    for (const o of [...objects.observability!, ...objects.shop!]) {
      if (o.kind.startsWith('Cluster'))
        assert.equal(o.metadata.namespace, undefined, o.metadata.name)
      else assert.ok(ours.has(o.metadata.namespace ?? ''), `${o.kind} ${o.metadata.name}`)
    }
  })

  it('runs the Collector CR with the contrib image, its config and the env its placeholders need', () => {
    const collector = find('OpenTelemetryCollector', COLLECTOR.name)
    assert.equal(collector.apiVersion, 'opentelemetry.io/v1beta1')
    assert.equal(collector.metadata.namespace, NAMESPACES.observability)
    assert.match(collector.spec.image, /opentelemetry-collector-contrib:/)
    assert.deepEqual(Object.keys(collector.spec.config.exporters).sort(), [
      'otlp_grpc/jaeger',
      'otlp_http/logs',
      'prometheus',
    ])
    const env = Object.fromEntries(
      collector.spec.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
    )
    assert.equal(env.JAEGER_OTLP_ENDPOINT, 'jaeger.observability.svc.cluster.local:4317')
    assert.equal(
      env.LOGS_OTLP_ENDPOINT,
      'http://loki.observability.svc.cluster.local:3100/otlp/v1/logs',
    )
    assert.deepEqual(collector.spec.ports, [{ name: 'prometheus', port: 8889, protocol: 'TCP' }])
  })

  it('fails synthesis when the Collector config needs an env value nobody provides', () => {
    const config = fixtureInputs().collectorConfig.replace(
      '${env:LOGS_OTLP_ENDPOINT}',
      '${env:NOBODY_SETS_THIS}',
    )
    assert.throws(
      () => platformObjects(fixtureInputs({ collectorConfig: config })),
      /NOBODY_SETS_THIS/,
    )
  })

  it('grants the k8sattributes processor read access to pods, namespaces and replica sets', () => {
    const role = find('ClusterRole', `${COLLECTOR.serviceName}`)
    const resources = (role.rules ?? []).flatMap((rule) => rule.resources).sort()
    assert.deepEqual(resources, ['namespaces', 'nodes', 'pods', 'replicasets'])
    const binding = find('ClusterRoleBinding', COLLECTOR.serviceName)
    assert.deepEqual(binding.subjects?.[0], {
      kind: 'ServiceAccount',
      name: COLLECTOR.serviceName,
      namespace: 'observability',
    })
    assert.equal(
      find('OpenTelemetryCollector', COLLECTOR.name).spec.serviceAccount,
      COLLECTOR.serviceName,
    )
  })

  it('selects its own pods in every Service of Jaeger, Loki, MySQL and the alert receiver', () => {
    const workloads = all.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    for (const service of all.filter((o) => o.kind === 'Service')) {
      const target = workloads.find(
        (w) =>
          w.metadata.namespace === service.metadata.namespace &&
          selects(service.spec.selector, w.spec.template.metadata.labels),
      )
      assert.ok(target, `Service ${service.metadata.name} selects no pod`)
      const containerPorts = target.spec.template.spec.containers.flatMap(
        (c: { ports: { name: string }[] }) => c.ports,
      )
      for (const port of service.spec.ports) {
        assert.ok(
          containerPorts.some((p: { name: string }) => p.name === port.targetPort),
          `${service.metadata.name}:${port.name}`,
        )
      }
    }
  })

  it('runs three MySQL StatefulSets with a PVC, a Secret and probes', () => {
    for (const { database } of SERVICES_WITH_DATABASE) {
      const sts = find('StatefulSet', `mysql-${database}`)
      assert.equal(sts.metadata.namespace, NAMESPACES.shop)
      assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '1Gi')
      const container = sts.spec.template.spec.containers[0]
      assert.ok(container.readinessProbe && container.livenessProbe && container.startupProbe)
      assert.deepEqual(container.envFrom, [{ secretRef: { name: `mysql-${database}` } }])
      assert.equal(find('Secret', `mysql-${database}`).stringData!.MYSQL_DATABASE, database)
    }
  })

  it('gives MySQL a generated root password of its own and a read-only root filesystem', () => {
    for (const { database } of SERVICES_WITH_DATABASE) {
      const secret = find('Secret', `mysql-${database}`).stringData!
      // Nothing synthesized holds a root password, so none can derive from the app's.
      for (const o of all.filter((x) => x.kind === 'Secret'))
        assert.equal({ ...o.stringData, ...o.data }.MYSQL_ROOT_PASSWORD, undefined, o.metadata.name)
      const rootSecret = find('Secret', `mysql-${database}-root`)
      assert.equal(rootSecret.metadata.labels!['shopscope.io/generated-secret'], 'true')
      const container = find('StatefulSet', `mysql-${database}`).spec.template.spec.containers[0]
      assert.deepEqual(
        container.env.find((e: { name: string }) => e.name === 'MYSQL_ROOT_PASSWORD').valueFrom,
        { secretKeyRef: { name: `mysql-${database}-root`, key: 'MYSQL_ROOT_PASSWORD' } },
      )
      assert.ok(secret.MYSQL_PASSWORD)
      assert.equal(container.securityContext.readOnlyRootFilesystem, true)
      const mounts = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort()
      assert.deepEqual(mounts, ['/tmp', '/var/lib/mysql', '/var/run/mysqld'])
    }
  })

  it('scrapes each app service with a service_name label, and the Collector with honorLabels', () => {
    for (const service of SERVICE_NAMES) {
      const monitor = find('ServiceMonitor', service)
      const endpoint = monitor.spec.endpoints[0]
      assert.equal(endpoint.path, '/metrics')
      assert.deepEqual(endpoint.relabelings, [
        { action: 'replace', targetLabel: 'service_name', replacement: service },
      ])
    }
    assert.equal(find('ServiceMonitor', COLLECTOR.serviceName).spec.endpoints[0].honorLabels, true)
  })

  it('turns rule files into PrometheusRules and dashboards into labelled ConfigMaps', () => {
    const rule = find('PrometheusRule', 'example')
    assert.equal(rule.spec.groups[0].rules[0].alert, 'ServiceDown')
    // The placeholder base of the rule file, replaced by the one of the inputs.
    assert.equal(
      rule.spec.groups[0].rules[0].annotations.runbook_url,
      'https://docs.example/runbooks/ServiceDown.md',
    )
    const dashboard = find('ConfigMap', 'dashboard-shop-overview')
    assert.equal(dashboard.metadata.labels!.grafana_dashboard, '1')
    assert.equal(JSON.parse(dashboard.data!['shop-overview.json']!).title, 'Shop overview')
  })

  it('moves the Collector and Jaeger off a lost node after the chart nodeFailureTolerationSeconds', () => {
    assert.deepEqual(tracingTolerations(objects.observability!), {
      collector: nodeFailureTolerations(30),
      jaeger: nodeFailureTolerations(30),
    })
    const other = platformObjects(fixtureInputs({ nodeFailureTolerationSeconds: 90 }))
    assert.deepEqual(tracingTolerations(other.observability!), {
      collector: nodeFailureTolerations(90),
      jaeger: nodeFailureTolerations(90),
    })
  })

  it('reads nodeFailureTolerationSeconds from the top level of the chart values, or refuses', () => {
    const values = (line: string) => `replicaCount: 1\n${line}\ntelemetry:\n  mode: operator\n`
    assert.equal(parseNodeFailureTolerationSeconds(values('nodeFailureTolerationSeconds: 45')), 45)
    assert.equal(parseNodeFailureTolerationSeconds(values('nodeFailureTolerationSeconds: 0')), 0)
    for (const bad of [
      '',
      'nodeFailureTolerationSeconds: -1',
      'nodeFailureTolerationSeconds: 1.5',
      'nodeFailureTolerationSeconds: "30"',
      'nested:\n  nodeFailureTolerationSeconds: 30',
    ]) {
      assert.throws(
        () => parseNodeFailureTolerationSeconds(values(bad)),
        /nodeFailureTolerationSeconds/,
        bad,
      )
    }
  })

  it('serves the runbooks beside the receiver, as text, on a node port of their own', () => {
    const receiver = find('Deployment', 'alert-receiver').spec.template.spec
    const runbooks = receiver.containers.find((c: { name: string }) => c.name === 'runbooks')
    assert.deepEqual(runbooks.command, [
      'httpd',
      '-f',
      '-p',
      '9096',
      '-h',
      '/www',
      '-c',
      '/etc/httpd/httpd.conf',
    ])
    assert.equal(find('ConfigMap', 'runbooks').data!['ServiceDown.md'], '# ServiceDown\n')
    assert.match(
      find('ConfigMap', 'runbooks').data!['httpd.conf']!,
      /^\.md:text\/plain;charset=utf-8$/m,
    )
    const service = find('Service', 'runbooks')
    assert.equal(service.spec.type, 'NodePort')
    assert.equal(service.spec.ports[0].targetPort, 'runbooks')
    // The webhook receiver's own Service stays inside the cluster.
    assert.equal(find('Service', 'alert-receiver').spec.type, undefined)
  })

  it('runs the alert receiver on the node of Prometheus (one failure domain for alerting)', () => {
    const receiver = find('Deployment', 'alert-receiver')
    // Pinned beside Prometheus: it moves with Prometheus (a StatefulSet), never on its own.
    assert.equal(receiver.spec.template.spec.tolerations, undefined)
    assert.deepEqual(receiver.spec.template.spec.affinity, {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
            namespaces: [NAMESPACES.observability],
            topologyKey: 'kubernetes.io/hostname',
          },
        ],
      },
    })
  })

  it('routes alerts to the in-cluster receiver with the matchers of alertmanager.yaml', () => {
    const config = find('AlertmanagerConfig', 'shopscope')
    assert.deepEqual(config.spec.route.routes[0].matchers, [
      { name: 'severity', value: 'critical', matchType: '=' },
    ])
    assert.equal(
      config.spec.receivers[0].webhookConfigs[0].url,
      'http://alert-receiver.observability.svc.cluster.local:9095/cgi-bin/alerts/critical',
    )
    assert.deepEqual(config.spec.inhibitRules[0].targetMatch, [
      { name: 'alertname', value: 'HighErrorRate|HighLatency', matchType: '=~' },
    ])
  })
})

// The shop's isolation on the cluster of `make cluster-up`: its namespace enforces the restricted
// Pod Security Standard, and its NetworkPolicies (charts/shopscope/templates/networkpolicy.yaml,
// cdk8s/src/isolation.ts; enforced by kind's CNI or, on podman, kube-network-policies) let the
// frontend reach order-service while a pod outside the shop cannot, though it reaches the
// frontend; nor can it reach the databases, the Collector or the observability UIs.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  COLLECTOR,
  JAEGER,
  MYSQL_PORT,
  NAMESPACES,
  SERVICES_WITH_DATABASE,
  pinned,
} from '@shopscope/system'
import { KPS_RELEASE, UPSTREAM_PODS } from '../../cdk8s/src/names'
import {
  CONTEXT,
  KUBECTL,
  VERSIONS,
  env,
  kubectl,
  pods,
  ready,
  shopService,
  useCluster,
} from './kube'
import { run } from '../../dev/cluster/run'

const PROBE_NAMESPACE = 'shopscope-netpol-probe'

/** A restricted-compliant busybox pod in PROBE_NAMESPACE running `script`; its log when done. */
async function probe(name: string, script: string): Promise<string> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: PROBE_NAMESPACE },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 65534,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'probe',
          image: pinned(VERSIONS, 'BUSYBOX_IMAGE'),
          command: ['sh', '-c', script],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  }
  await kubectl('-n', PROBE_NAMESPACE, 'delete', 'pod', name, '--ignore-not-found', '--wait=true')
  const created = await run(
    KUBECTL,
    ['--context', CONTEXT, 'apply', '-f', '-'],
    env,
    JSON.stringify(pod),
  )
  assert.equal(created.code, 0, created.stderr)
  await kubectl(
    '-n',
    PROBE_NAMESPACE,
    'wait',
    `pod/${name}`,
    '--for=jsonpath={.status.phase}=Succeeded',
    '--timeout=120s',
  )
  return kubectl('-n', PROBE_NAMESPACE, 'logs', name)
}

// wget exits 0 only with a 2xx answer; -T bounds the wait for a connection a policy drops.
const reach = (label: string, url: string) =>
  `if wget -q -T 5 -O /dev/null ${url}; then echo "${label}: reached"; else echo "${label}: not reached"; fi`

// Any answer, even an error or a non-HTTP greeting (MySQL's), means a connection was made; a
// policy drops the connection (wget times out, or `timeout` ends it: 143) or refuses it. Anything
// else (a DNS failure) is the probe's own error, never counted as refused.
const connect = (label: string, hostPort: string) =>
  `out=$(timeout 8 wget -T 5 -O /dev/null http://${hostPort}/ 2>&1); rc=$?; ` +
  `case "$rc:$out" in 143:*|*"timed out"*|*"can't connect"*|*"No route"*) echo "${label}: not reached" ;; ` +
  `*"bad address"*) echo "${label}: probe error: $out" ;; ` +
  `*) echo "${label}: reached" ;; esac`

const svc = (name: string, namespace: string, port: number) =>
  `${name}.${namespace}.svc.cluster.local:${port}`
/** What no pod of another namespace may connect to (cdk8s/src/isolation.ts). */
const CLOSED: Record<string, string> = {
  ...Object.fromEntries(
    SERVICES_WITH_DATABASE.map(({ database }) => [
      `mysql-${database}`,
      svc(`mysql-${database}`, NAMESPACES.shop, MYSQL_PORT),
    ]),
  ),
  jaeger: svc(JAEGER.name, NAMESPACES.observability, JAEGER.queryPort),
  collector: svc(COLLECTOR.serviceName, NAMESPACES.observability, COLLECTOR.otlpHttpPort),
  prometheus: svc(
    `${KPS_RELEASE}-prometheus`,
    NAMESPACES.observability,
    UPSTREAM_PODS.prometheus.port,
  ),
  alertmanager: svc(
    `${KPS_RELEASE}-alertmanager`,
    NAMESPACES.observability,
    UPSTREAM_PODS.alertmanager.port,
  ),
}

describe('isolation of the shop', { concurrency: false }, () => {
  before(async () => {
    await useCluster()
    const ns = await run(
      KUBECTL,
      ['--context', CONTEXT, 'apply', '-f', '-'],
      env,
      JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROBE_NAMESPACE } }),
    )
    assert.equal(ns.code, 0, ns.stderr)
  })
  after(async () => {
    await run(
      KUBECTL,
      [
        '--context',
        CONTEXT,
        'delete',
        'namespace',
        PROBE_NAMESPACE,
        '--ignore-not-found',
        '--wait=false',
      ],
      env,
    )
  })

  it('refuses a privileged pod in the shop namespace (restricted Pod Security Standard)', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'privileged-probe', namespace: 'shop' },
      spec: {
        containers: [
          {
            name: 'c',
            image: pinned(VERSIONS, 'BUSYBOX_IMAGE'),
            securityContext: { privileged: true },
          },
        ],
      },
    }
    const r = await run(
      KUBECTL,
      ['--context', CONTEXT, 'apply', '--dry-run=server', '-f', '-'],
      env,
      JSON.stringify(pod),
    )
    assert.notEqual(r.code, 0, 'a privileged pod was admitted')
    assert.match(r.stderr, /violates PodSecurity "restricted/)
    console.log(`# refused: ${r.stderr.trim().slice(0, 200)}`)
  })

  it('lets a pod outside the shop reach the frontend but not order-service', async () => {
    const frontend = await shopService('frontend')
    const orders = await shopService('order-service')
    const log = await probe(
      'outside',
      [
        reach('frontend', `http://${frontend.host}:${frontend.port}/healthz`),
        reach('order-service', `http://${orders.host}:${orders.port}/healthz`),
      ].join('; '),
    )
    console.log(`# from namespace ${PROBE_NAMESPACE}:\n${log.trim().replace(/^/gm, '#   ')}`)
    // The first line proves the probe's network works: the second's failure is the policy.
    assert.match(log, /^frontend: reached$/m)
    assert.match(log, /^order-service: not reached$/m)
  })

  it('lets a pod outside reach no database, nor Jaeger, the Collector, Prometheus or Alertmanager', async () => {
    const frontend = await shopService('frontend')
    const log = await probe(
      'outside-platform',
      [
        connect('frontend', `${frontend.host}:${frontend.port}`),
        ...Object.entries(CLOSED).map(([label, target]) => connect(label, target)),
      ].join('; '),
    )
    console.log(`# from namespace ${PROBE_NAMESPACE}:\n${log.trim().replace(/^/gm, '#   ')}`)
    // The frontend's line proves the probe's network and its test work.
    assert.match(log, /^frontend: reached$/m)
    for (const label of Object.keys(CLOSED))
      assert.match(log, new RegExp(`^${label}: not reached$`, 'm'))
  })

  it('lets the frontend reach order-service', async () => {
    const frontend = (await pods('shop', 'app.kubernetes.io/component=frontend')).find(ready)
    assert.ok(frontend, 'a Ready frontend pod')
    const orders = await shopService('order-service')
    // The frontend image has no shell or wget: its own Node.js makes the request.
    const script = `fetch('http://${orders.host}:${orders.port}/healthz', { signal: AbortSignal.timeout(5000) }).then((r) => { console.log('order-service:', r.status); process.exit(r.ok ? 0 : 1) }, (e) => { console.log('order-service:', e.cause?.code ?? e.name); process.exit(1) })`
    const r = await run(
      KUBECTL,
      [
        '--context',
        CONTEXT,
        '-n',
        'shop',
        'exec',
        frontend.metadata.name,
        '-c',
        'frontend',
        '--',
        'node',
        '-e',
        script,
      ],
      env,
    )
    console.log(`# from ${frontend.metadata.name}: ${r.stdout.trim()} ${r.stderr.trim()}`)
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /order-service: 200/)
  })
})

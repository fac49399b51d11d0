// `make chaos-node`: a worker of the kind cluster lost under shopper load, then brought back.
//   a. preconditions: every shop Deployment available, each service ready on both workers,
//      monitoring on one node (cdk8s monitoring-placement.ts); the victim is the other worker;
//   b. 4 shoppers sign up, browse, add to the cart and check out through the shop's front door;
//   c. the victim's container is stopped (a whole machine gone: kubelet, pods, local volumes);
//   d. the node turns NotReady, NodeNotReady fires and is delivered to the receiver, every shop
//      Deployment is back to its replicas off that node (the PDBs' health recorded meanwhile);
//   e. the container is started again: the node Ready, every pod of shop and observability
//      Ready, NodeNotReady resolved (and its resolution delivered, unless told not to wait); the
//      shop's Deployments restarted, so that their replicas spread over both workers again;
//   f. the shoppers stop; every acknowledged order exists once, no stock is below zero;
//   g. a summary of the timings, the requests and the audit.
// A MySQL StatefulSet whose local volume is on the victim cannot move: its service degrades
// (reported, not failed) until the node is back. Failed shopper requests are reported, not
// asserted. Every wait is bounded; on any failure, or a signal, the node is started again.
//
// Environment (make chaos-node sets the first three for the cluster of cluster-up): KUBECTL,
// KUBE_CONTEXT (kind-shopscope), ALERTMANAGER_URL (http://localhost:9093), SHOP_URL
// (http://127.0.0.1:8080), NODE_RUNTIME (docker where `docker info` answers, else podman),
// CHAOS_POLL_SECONDS (5), CHAOS_NODE_TIMEOUT (180: NotReady, Ready), CHAOS_ALERT_TIMEOUT (300,
// after the node timeout), CHAOS_RESCHEDULE_TIMEOUT (300, after the node timeout),
// CHAOS_CONVERGE_TIMEOUT (600), CHAOS_RESOLVE_TIMEOUT (600), CHAOS_AWAIT_RESOLUTION_DELIVERY (1;
// 0: tests/cluster/alert-resolutions.test.ts checks it later), CHAOS_SHOPPER_PAUSE_MS (3000),
// CHAOS_NODE_SUMMARY (a file to write the summary to as JSON).
import { writeFileSync } from 'node:fs'
import { SERVICE_NAMES, SERVICES_WITH_DATABASE } from '@shopscope/system'
import { UPSTREAM_PODS } from '../../cdk8s/src/names'
import { Shoppers } from '../traffic/shoppers'
import { ALERTMANAGER_URL, alertsListed, deliveredToReceiver } from './alerts'
import { auditOrders, negativeStock, type OrderAudit } from './node-failure/audit'
import { awaitAll } from './node-failure/await'
import { CONTEXT } from '../cluster/kind'
import {
  type Deployment,
  type Node,
  type Pod,
  kubectl,
  list,
  nodeReady,
  podReady,
} from '../cluster/kube'
import {
  type PodDisruptionBudget,
  isWorker,
  node,
  statefulSetOf,
  terminating,
} from './node-failure/cluster'
import { ChaosFailure, log, seconds, secondsSince, sleep } from './log'
import {
  type Runtime,
  containerRunning,
  detectRuntime,
  startContainer,
  startContainerNow,
  stopContainer,
} from './node-failure/node-container'

const POLL = seconds('CHAOS_POLL_SECONDS', 5)
const NODE_TIMEOUT = seconds('CHAOS_NODE_TIMEOUT', 180)
const ALERT_TIMEOUT = NODE_TIMEOUT + seconds('CHAOS_ALERT_TIMEOUT', 300)
const RESCHEDULE_TIMEOUT = NODE_TIMEOUT + seconds('CHAOS_RESCHEDULE_TIMEOUT', 300)
const CONVERGE_TIMEOUT = seconds('CHAOS_CONVERGE_TIMEOUT', 600)
const RESOLVE_TIMEOUT = seconds('CHAOS_RESOLVE_TIMEOUT', 600)
const AWAIT_RESOLUTION_DELIVERY = process.env.CHAOS_AWAIT_RESOLUTION_DELIVERY !== '0'
// Paced: each round checks out one unit of stock (100 of each product at the start), and the
// files after this one in make test-cluster still shop.
const SHOPPER_PAUSE_MS = seconds('CHAOS_SHOPPER_PAUSE_MS', 3000)
const SHOP_URL = process.env.SHOP_URL || 'http://127.0.0.1:8080'
const SUMMARY_FILE = process.env.CHAOS_NODE_SUMMARY
const SHOPPERS = 4
const PRODUCTS = 8 // the first ids of the seeded catalog (services/product-service/src/db/seed.ts)
const ALERT = 'NodeNotReady'
const SERVICES: readonly string[] = SERVICE_NAMES
const SHOP = 'shop'
const OBSERVABILITY = 'observability'
const SERVICE_SELECTOR = `app.kubernetes.io/component in (${SERVICES.join(',')})`
const label = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')

const componentOf = (o: { metadata: { labels?: Record<string, string> } }) =>
  o.metadata.labels?.['app.kubernetes.io/component'] ?? ''

/** The node the victim is not: Prometheus' (monitoring runs there together). */
async function chooseVictim(workers: Node[]): Promise<{ victim: string; monitoring: string }> {
  const onNodes = async (labels: Record<string, string>) =>
    (await list<Pod>('pods', '--namespace', OBSERVABILITY, '--selector', label(labels)))
      .filter((p) => !terminating(p))
      .map((p) => p.spec.nodeName ?? '(unscheduled)')
  const [prometheus] = await onNodes(UPSTREAM_PODS.prometheus.labels)
  if (!prometheus) throw new ChaosFailure('no Prometheus pod in namespace observability')
  const monitoring = {
    Alertmanager: UPSTREAM_PODS.alertmanager.labels,
    'kube-state-metrics': UPSTREAM_PODS.kubeStateMetrics.labels,
    'the alert receiver': { 'app.kubernetes.io/name': 'alert-receiver' },
  }
  for (const [what, labels] of Object.entries(monitoring)) {
    const nodes = await onNodes(labels)
    if (nodes.length === 0 || nodes.some((n) => n !== prometheus))
      throw new ChaosFailure(
        `${what} runs on ${nodes.join(', ') || 'no node'}, Prometheus on ${prometheus}: they must ` +
          'share a node (cdk8s monitoring-placement.ts; make cluster-up applies it)',
      )
  }
  const victim = workers.map((w) => w.metadata.name).find((name) => name !== prometheus)
  if (!victim) throw new ChaosFailure(`no worker without Prometheus (on ${prometheus})`)
  return { victim, monitoring: prometheus }
}

async function shopAvailable(): Promise<true | string> {
  const deployments = await list<Deployment>('deployments', '--namespace', SHOP)
  const short = deployments
    .filter((d) => (d.status.availableReplicas ?? 0) < (d.spec.replicas ?? 1))
    .map((d) => `${d.metadata.name} ${d.status.availableReplicas ?? 0}/${d.spec.replicas}`)
  const missing = SERVICES.filter((s) => !deployments.some((d) => componentOf(d) === s))
  if (missing.length) return `no Deployment of ${missing.join(', ')}`
  return short.length === 0 || `available: ${short.join(', ')}`
}

/** The services without a ready pod on one of the workers: `<service> not on <worker>`. */
async function notSpread(workers: string[]): Promise<string[]> {
  const pods = await list<Pod>('pods', '--namespace', SHOP, '--selector', SERVICE_SELECTOR)
  const readyOn = (service: string, worker: string) =>
    pods.some(
      (p) =>
        componentOf(p) === service && p.spec.nodeName === worker && podReady(p) && !terminating(p),
    )
  return SERVICES.flatMap((service) =>
    workers.filter((w) => !readyOn(service, w)).map((w) => `${service} not on ${w}`),
  )
}

/**
 * After the failure every replica runs on the worker that stayed (the scheduler never moves a
 * running pod): a restart of the shop's Deployments spreads them again (topology spread, per
 * ReplicaSet), so the cluster is left as it was found and the next run's preconditions hold.
 */
async function spreadAgain(workers: string[]): Promise<string[]> {
  const selector = ['--namespace', SHOP, '--selector', SERVICE_SELECTOR]
  await kubectl('rollout', 'restart', 'deployment', ...selector)
  for (const d of await list<Deployment>('deployments', ...selector))
    await kubectl(
      'rollout',
      'status',
      `deployment/${d.metadata.name}`,
      '--namespace',
      SHOP,
      `--timeout=${CONVERGE_TIMEOUT}s`,
    )
  return notSpread(workers)
}

/** (a) Every service ready on every worker, and what the victim holds that cannot move. */
async function preconditions(workers: string[], victim: string) {
  const started = Date.now()
  await awaitAll(
    started,
    'the start',
    [{ name: 'every shop Deployment available', timeoutSeconds: 120, check: shopAvailable }],
    POLL,
  )
  log(`where the shop runs:\n${await kubectl('get', 'pods', '--namespace', SHOP, '-o', 'wide')}`)
  const missing = await notSpread(workers)
  if (missing.length)
    throw new ChaosFailure(
      `every service must have a ready pod on both workers (2 replicas and topology spread, ` +
        `charts/shopscope/ci/kind-values.yaml): ${missing.join(', ')}; ` +
        '`kubectl -n shop rollout restart deployment` spreads them again',
    )
  const everywhere = [
    ...(await list<Pod>('pods', '--namespace', SHOP)),
    ...(await list<Pod>('pods', '--namespace', OBSERVABILITY)),
  ]
  const onVictim = everywhere.filter((p) => p.spec.nodeName === victim && !terminating(p))
  const stranded = [...new Set(onVictim.flatMap((p) => statefulSetOf(p) ?? []))].sort()
  const degraded: string[] = SERVICES_WITH_DATABASE.filter((d) =>
    stranded.includes(`mysql-${d.database}`),
  ).map((d) => d.name)
  log(
    `on ${victim}: ${onVictim.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}`,
  )
  log(
    stranded.length
      ? `StatefulSets with their local volume on ${victim} (cannot move until it is back): ` +
          `${stranded.join(', ')}; expect ${degraded.join(', ') || 'no shop service'} to degrade`
      : `no StatefulSet on ${victim}`,
  )
  return { stranded, degraded }
}

/** (d) Each service's replicas back, none on the victim; a degraded one need not be ready. */
function rescheduled(victim: string, degraded: string[]) {
  return async (): Promise<true | string> => {
    const deployments = await list<Deployment>('deployments', '--namespace', SHOP)
    const pods = await list<Pod>('pods', '--namespace', SHOP, '--selector', SERVICE_SELECTOR)
    const waiting: string[] = []
    for (const d of deployments.filter((d) => SERVICES.includes(componentOf(d)))) {
      const service = componentOf(d)
      const replicas = d.spec.replicas ?? 1
      const live = pods.filter((p) => componentOf(p) === service && !terminating(p))
      const onVictim = live.filter((p) => p.spec.nodeName === victim).length
      const elsewhere = live.length - onVictim
      if (onVictim > 0) waiting.push(`${service}: ${onVictim} pod(s) on ${victim}`)
      else if (
        degraded.includes(service)
          ? elsewhere < replicas
          : (d.status.availableReplicas ?? 0) < replicas
      )
        waiting.push(`${service}: ${d.status.availableReplicas ?? 0}/${replicas} available`)
    }
    return waiting.length === 0 || waiting.join('; ')
  }
}

/** (e) Every pod of shop and observability Ready, none left terminating, shop at its replicas. */
async function converged(): Promise<true | string> {
  const pods = [
    ...(await list<Pod>('pods', '--namespace', SHOP)),
    ...(await list<Pod>('pods', '--namespace', OBSERVABILITY)),
  ]
  const notReady = pods
    .filter((p) => terminating(p) || !podReady(p))
    .map((p) => `${p.metadata.name}${terminating(p) ? ' (terminating)' : ''}`)
  if (notReady.length) return `not ready: ${notReady.join(', ')}`
  return shopAvailable()
}

type PdbHealth = { minHealthy: number; desired: number; service: string }

/** The lowest currentHealthy each PDB reported while the node was down. */
async function recordPdbs(health: Map<string, PdbHealth>) {
  for (const pdb of await list<PodDisruptionBudget>('pdb', '--namespace', SHOP)) {
    const current = pdb.status.currentHealthy ?? 0
    const before = health.get(pdb.metadata.name)
    health.set(pdb.metadata.name, {
      minHealthy: Math.min(before?.minHealthy ?? current, current),
      desired: pdb.status.desiredHealthy ?? 0,
      service: componentOf(pdb),
    })
  }
}

type Summary = {
  node: string
  runtime: Runtime
  timings: Record<string, number>
  requests: { outage: { ok: number; failed: number }; all: { ok: number; failed: number } }
  orders: OrderAudit & { rejected: number }
  negativeStock: string[]
  pdbs: Record<string, PdbHealth>
  strandedStatefulSets: string[]
  degradedServices: string[]
  failedChecks: string[]
}

function printSummary(s: Summary) {
  const rows: [string, number | undefined][] = [
    ['stopped -> node NotReady', s.timings['node NotReady']],
    [`stopped -> ${ALERT} firing in Alertmanager`, s.timings[`${ALERT} firing`]],
    [`stopped -> ${ALERT} delivered to the receiver`, s.timings[`${ALERT} delivered`]],
    ['stopped -> shop rescheduled off the node', s.timings['shop rescheduled']],
    ['started -> node Ready', s.timings['node Ready']],
    ['started -> shop and observability converged', s.timings['converged']],
    [`started -> ${ALERT} resolved in Alertmanager`, s.timings[`${ALERT} resolved`]],
    [`started -> ${ALERT} resolution delivered`, s.timings[`${ALERT} resolution delivered`]],
    ['restart of the shop -> spread over both workers', s.timings['spread again']],
  ]
  const o = s.orders
  log(
    [
      `summary: node ${s.node} stopped and started (${s.runtime})`,
      `${'timing'.padEnd(50)} ${'seconds'.padStart(7)}`,
      ...rows
        .filter(([, v]) => v !== undefined)
        .map(([name, v]) => `${name.padEnd(50)} ${String(v).padStart(7)}`),
      `requests during the outage: ${s.requests.outage.ok} ok, ${s.requests.outage.failed} failed`,
      `requests in all: ${s.requests.all.ok} ok, ${s.requests.all.failed} failed`,
      `orders: ${o.acknowledged} acknowledged, ${o.found} found, ${o.duplicated} duplicated, ` +
        `${o.lost.length} lost, ${o.acknowledgedTwice} acknowledged twice, ` +
        `${o.inDatabase} in the database, ${o.rejected} checkouts rejected`,
      `stock below zero: ${s.negativeStock.join(', ') || 'none'}`,
      ...Object.entries(s.pdbs).map(
        ([name, p]) => `PDB ${name}: min currentHealthy ${p.minHealthy} (desired ${p.desired})`,
      ),
      `StatefulSets stranded on the node: ${s.strandedStatefulSets.join(', ') || 'none'}`,
      `services degraded meanwhile: ${s.degradedServices.join(', ') || 'none'}`,
      `result: ${s.failedChecks.length ? `FAILED (${s.failedChecks.join('; ')})` : 'passed'}`,
    ].join('\n'),
  )
}

/** The most frequent failures, so the report says what broke rather than how often. */
function failureReasons(failures: string[]): string {
  const counts = new Map<string, number>()
  for (const f of failures) {
    const reason = f.replace(/^\S+ /, '')
    counts.set(reason, (counts.get(reason) ?? 0) + 1)
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([reason, n]) => `  ${n} x ${reason}`)
    .join('\n')
}

/** The victim, when it is stopped: started again on any way out. */
let stoppedNode: { runtime: Runtime; name: string } | undefined

async function main() {
  const scenarioStart = new Date()
  const runtime = await detectRuntime()
  log(`node failure on context ${CONTEXT}, shop ${SHOP_URL}, Alertmanager ${ALERTMANAGER_URL}`)
  await alertsListed({ alertname: 'Watchdog' }).catch((err: Error) => {
    throw new ChaosFailure(`Alertmanager does not answer at ${ALERTMANAGER_URL}: ${err.message}`)
  })

  // (a)
  const workers = (await list<Node>('nodes')).filter(isWorker)
  if (workers.length < 2)
    throw new ChaosFailure(
      `${workers.length} worker(s): a node failure needs two (kind-config.yaml)`,
    )
  const notReady = workers.filter((w) => !nodeReady(w)).map((w) => w.metadata.name)
  if (notReady.length)
    throw new ChaosFailure(`not Ready before the failure: ${notReady.join(', ')}`)
  const { victim, monitoring } = await chooseVictim(workers)
  log(`a. monitoring runs on ${monitoring}: the node to stop is ${victim} (${runtime})`)
  if (!(await containerRunning(runtime, victim)))
    throw new ChaosFailure(`${runtime} says container ${victim} is not running`)
  if ((await alertsListed({ alertname: ALERT, node: victim })) > 0)
    throw new ChaosFailure(`${ALERT} is already firing for ${victim}`)
  const { stranded, degraded } = await preconditions(
    workers.map((w) => w.metadata.name),
    victim,
  )

  // (b)
  const shoppers = new Shoppers({
    baseUrl: SHOP_URL,
    shoppers: SHOPPERS,
    label: 'node-failure',
    checkOut: true,
    product: (n, round) => String(((n + round) % PRODUCTS) + 1),
    pauseMs: SHOPPER_PAUSE_MS,
    requestTimeoutMs: 15_000, // the frontend's checkout budget (10 s) and some
  })
  log(`b. ${SHOPPERS} shoppers through ${SHOP_URL}: sign up, browse, add to the cart, check out`)
  const loadStart = Date.now()
  await awaitAll(
    loadStart,
    'the shoppers started',
    [
      {
        name: `${SHOPPERS} orders acknowledged before the failure`,
        timeoutSeconds: 120,
        check: async () =>
          shoppers.orders.length >= SHOPPERS ||
          `${shoppers.orders.length} so far; ${shoppers.failures().slice(-1)[0] ?? 'no failure'}`,
      },
    ],
    POLL,
  )

  // (c)
  log(`c. stopping ${victim} (${runtime} stop)`)
  stoppedNode = { runtime, name: victim }
  await stopContainer(runtime, victim)
  const stoppedAt = Date.now()
  log(`c. ${victim} stopped`)

  // (d)
  const pdbs = new Map<string, PdbHealth>()
  const down = await awaitAll(
    stoppedAt,
    'the stop',
    [
      {
        name: 'node NotReady',
        timeoutSeconds: NODE_TIMEOUT,
        check: async () => !nodeReady(await node(victim)) || 'still Ready',
      },
      {
        name: `${ALERT} firing`,
        timeoutSeconds: ALERT_TIMEOUT,
        check: async () =>
          (await alertsListed({ alertname: ALERT, node: victim })) > 0 || 'not in Alertmanager',
      },
      {
        name: `${ALERT} delivered`,
        timeoutSeconds: ALERT_TIMEOUT,
        check: async () =>
          (await deliveredToReceiver(scenarioStart, 'firing', {
            alertname: ALERT,
            node: victim,
          })) || 'no firing notification in the receiver log',
      },
      {
        name: 'shop rescheduled',
        timeoutSeconds: RESCHEDULE_TIMEOUT,
        check: rescheduled(victim, degraded),
      },
    ],
    POLL,
    () => recordPdbs(pdbs),
  )
  log(
    `d. the shop without ${victim}:\n${await kubectl('get', 'pods', '--namespace', SHOP, '-o', 'wide')}`,
  )
  for (const [name, p] of pdbs)
    log(
      `d. PDB ${name}: min currentHealthy ${p.minHealthy} while ${victim} was down (desired ${p.desired})`,
    )

  // (e)
  log(`e. starting ${victim} (${runtime} start)`)
  await startContainer(runtime, victim)
  stoppedNode = undefined
  const startedAt = Date.now()
  const up = await awaitAll(
    startedAt,
    'the start',
    [
      {
        name: 'node Ready',
        timeoutSeconds: NODE_TIMEOUT,
        check: async () => nodeReady(await node(victim)) || 'not Ready',
      },
      { name: 'converged', timeoutSeconds: CONVERGE_TIMEOUT, check: converged },
      {
        name: `${ALERT} resolved`,
        timeoutSeconds: RESOLVE_TIMEOUT,
        check: async () =>
          (await alertsListed({ alertname: ALERT, node: victim })) === 0 || 'still listed',
      },
      ...(AWAIT_RESOLUTION_DELIVERY
        ? [
            {
              // Sent at the group's next group_interval (5 min) after the firing notification.
              name: `${ALERT} resolution delivered`,
              timeoutSeconds: RESOLVE_TIMEOUT,
              check: async () =>
                (await deliveredToReceiver(scenarioStart, 'resolved', {
                  alertname: ALERT,
                  node: victim,
                })) || 'no resolved notification in the receiver log',
            },
          ]
        : []),
    ],
    POLL,
  )
  log(`e. converged:\n${await kubectl('get', 'pods', '--namespace', SHOP, '-o', 'wide')}`)
  log('e. restarting the shop Deployments to spread them over both workers again')
  const spreadStart = Date.now()
  const unspread = await spreadAgain(workers.map((w) => w.metadata.name))
  const spreadSeconds = secondsSince(spreadStart)
  const spread = unspread.length
    ? `not spread: ${unspread.join(', ')}`
    : 'each service on both workers'
  log(
    `e. ${spread} ${spreadSeconds} s later:\n${await kubectl('get', 'pods', '--namespace', SHOP, '-o', 'wide')}`,
  )

  // (f)
  log('f. stopping the shoppers')
  await Promise.race([shoppers.stop(), sleep(60_000)])
  const audit = await auditOrders(shoppers)
  const negative = await negativeStock()
  const failures = shoppers.failures()
  if (failures.length) log(`f. failed requests by reason:\n${failureReasons(failures)}`)

  // (g)
  const heldBy = (p: PdbHealth) => p.minHealthy >= p.desired || degraded.includes(p.service)
  const failedChecks = [
    ...(audit.lost.length ? [`acknowledged orders lost: ${audit.lost.join(', ')}`] : []),
    ...(audit.acknowledgedTwice ? [`${audit.acknowledgedTwice} order ids acknowledged twice`] : []),
    ...(audit.duplicated ? [`${audit.duplicated} orders beyond the checkouts submitted`] : []),
    ...(negative.length ? [`stock below zero: ${negative.join(', ')}`] : []),
    ...(unspread.length ? [`not spread again after the restart: ${unspread.join(', ')}`] : []),
    ...[...pdbs]
      .filter(([, p]) => !heldBy(p))
      .map(([name, p]) => `PDB ${name} fell to ${p.minHealthy} healthy (desired ${p.desired})`),
  ]
  const summary: Summary = {
    node: victim,
    runtime,
    timings: Object.fromEntries([...down, ...up, ['spread again', spreadSeconds]]),
    requests: {
      outage: shoppers.between(stoppedAt, startedAt),
      all: shoppers.between(0, Date.now()),
    },
    orders: { ...audit, rejected: shoppers.rejectedCheckouts },
    negativeStock: negative,
    pdbs: Object.fromEntries(pdbs),
    strandedStatefulSets: stranded,
    degradedServices: degraded,
    failedChecks,
  }
  printSummary(summary)
  if (SUMMARY_FILE) writeFileSync(SUMMARY_FILE, `${JSON.stringify(summary, null, 2)}\n`)
  if (failedChecks.length) throw new ChaosFailure(failedChecks.join('; '))
  log(`passed in ${secondsSince(scenarioStart.getTime())} s`)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stoppedNode) {
      log(`${signal}: starting ${stoppedNode.name} again`)
      startContainerNow(stoppedNode.runtime, stoppedNode.name)
    }
    process.exit(130)
  })

main().then(
  () => process.exit(0),
  async (err: Error) => {
    log(`FAILED: ${err instanceof ChaosFailure ? err.message : (err.stack ?? err.message)}`)
    if (stoppedNode) {
      log(`starting ${stoppedNode.name} again`)
      await startContainer(stoppedNode.runtime, stoppedNode.name).catch((e: Error) =>
        log(`could not start ${stoppedNode?.name}: ${e.message}; start it by hand`),
      )
    }
    process.exit(1)
  },
)

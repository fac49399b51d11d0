// `chaos pods`: faults on the cluster of cluster up, each seen in Alertmanager and in what it
// delivered to the in-cluster receiver, then repaired:
//   1. a random shop pod is deleted -> its Deployment replaces it and it becomes ready;
//   2. a MySQL StatefulSet and product-service are scaled to zero together -> MySQLDown and
//      ServiceDown fire and are delivered; both restored -> both resolve and the resolutions are
//      delivered. Together, because a resolution is delivered at the group's next group_interval
//      (5 min, alerts/alertmanager.yaml): one after the other would take twice as long.
// A MySQL pod that is merely deleted comes back before MySQLDown's `for: 1m`, so the database
// stays down (replicas 0) until the alert is delivered. Every wait is bounded; on failure the
// replicas taken away are given back. A summary of the timings ends the run.
// Environment: CHAOS_ALERT_TIMEOUT (300 s), CHAOS_RESOLVE_TIMEOUT (600 s), CHAOS_ROLLOUT_TIMEOUT
// (180 s), CHAOS_POLL_SECONDS (5), CHAOS_AWAIT_RESOLUTION_DELIVERY (1; 0: end once resolved, the
// deliveries left to the caller: make test checks them minutes later).
import { NAMESPACES, SERVICES, SERVICE_NAMES } from '@shopscope/system'
import { type Deployment, type Pod, kubectl, list } from '../cluster/kube'
import { ALERTMANAGER_URL, alertsListed, deliveredToReceiver } from './alerts'
import { ChaosFailure, log, seconds, secondsSince, sleep } from './log'

const ALERT_TIMEOUT = seconds('CHAOS_ALERT_TIMEOUT', 300)
const RESOLVE_TIMEOUT = seconds('CHAOS_RESOLVE_TIMEOUT', 600)
const ROLLOUT_TIMEOUT = seconds('CHAOS_ROLLOUT_TIMEOUT', 180)
const POLL_MS = seconds('CHAOS_POLL_SECONDS', 5) * 1000
const AWAIT_RESOLUTION_DELIVERY = process.env.CHAOS_AWAIT_RESOLUTION_DELIVERY !== '0'
const shop = (...args: string[]) => kubectl('--namespace', NAMESPACES.shop, ...args)
const COMPONENT = 'app.kubernetes.io/component'

type Labels = Record<string, string> & { alertname: string }
type Summary = { step: number; action: string; result: string; seconds: number }
const summary: Summary[] = []
/** "<kind/name> <replicas>" to give back if the run stops half-way. */
const restore = new Map<string, number>()

const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)]

/** Polls `check` every CHAOS_POLL_SECONDS until it holds; the seconds it took, or a failure. */
async function until(timeout: number, failure: string, check: () => Promise<boolean>) {
  const started = Date.now()
  for (;;) {
    if (await check().catch((error: unknown) => (log(String(error)), false)))
      return secondsSince(started)
    if (secondsSince(started) >= timeout) throw new ChaosFailure(failure)
    await sleep(POLL_MS)
  }
}

async function rollout(target: string) {
  await shop('rollout', 'status', target, `--timeout=${ROLLOUT_TIMEOUT}s`).catch(() => {
    throw new ChaosFailure(`${target} was not ready within ${ROLLOUT_TIMEOUT}s`)
  })
}

async function killRandomShopPod() {
  const started = Date.now()
  const selector = `${COMPONENT} in (${SERVICE_NAMES.join(',')})`
  const running = await list<Pod>(
    'pods',
    '-n',
    NAMESPACES.shop,
    '-l',
    selector,
    '--field-selector=status.phase=Running',
  )
  const pod = pick(running)
  if (!pod) throw new ChaosFailure(`no running shop pod in namespace ${NAMESPACES.shop}`)
  const component = pod.metadata.labels?.[COMPONENT]
  const [deployment] = await list<Deployment>(
    'deployments',
    '-n',
    NAMESPACES.shop,
    '-l',
    `${COMPONENT}=${component}`,
  )
  if (!deployment)
    throw new ChaosFailure(`no Deployment for pod/${pod.metadata.name} (component ${component})`)
  const target = `deployment/${deployment.metadata.name}`
  log(`1. deleting pod/${pod.metadata.name} (${target})`)
  await shop('delete', `pod/${pod.metadata.name}`, '--wait=true', `--timeout=${ROLLOUT_TIMEOUT}s`)
  await rollout(target)
  summary.push({
    step: 1,
    action: `kill pod/${pod.metadata.name}`,
    result: 'replaced',
    seconds: secondsSince(started),
  })
}

async function takeDown(target: string) {
  const replicas = Number(await shop('get', target, '-o', 'jsonpath={.spec.replicas}'))
  if (!(replicas > 0)) throw new ChaosFailure(`${target} has no replicas to take away`)
  log(`2. scaling ${target} from ${replicas} to 0`)
  restore.set(target, replicas)
  await shop('scale', target, '--replicas=0')
}

async function giveBack() {
  for (const [target, replicas] of restore) await shop('scale', target, `--replicas=${replicas}`)
}

/** Firing in Alertmanager, then delivered to the receiver. */
async function seeFire(target: string, labels: Labels, since: Date, downAt: number) {
  const listed = await until(
    ALERT_TIMEOUT,
    `${labels.alertname} did not fire within ${ALERT_TIMEOUT}s of scaling ${target} to zero`,
    async () => (await alertsListed(labels)) > 0,
  )
  log(`2. ${labels.alertname} firing in Alertmanager after ${listed}s more`)
  summary.push({
    step: 2,
    action: `${target} to 0 -> ${labels.alertname}`,
    result: 'firing',
    seconds: secondsSince(downAt),
  })
  await until(
    ALERT_TIMEOUT,
    `${labels.alertname} fired but was not delivered to the receiver within ${ALERT_TIMEOUT}s`,
    () => deliveredToReceiver(since, 'firing', labels),
  )
  summary.push({
    step: 2,
    action: `${labels.alertname} delivered to the receiver`,
    result: 'delivered',
    seconds: secondsSince(downAt),
  })
}

export async function chaosPods(): Promise<void> {
  const since = new Date()
  await alertsListed({ alertname: 'Watchdog' }).catch(() => {
    throw new ChaosFailure(
      `Alertmanager does not answer at ${ALERTMANAGER_URL} (make cluster-up, or set ALERTMANAGER_URL)`,
    )
  })
  await kubectl('-n', NAMESPACES.observability, 'get', 'deploy/alert-receiver').catch(() => {
    throw new ChaosFailure(
      `no alert receiver (${NAMESPACES.observability}/deploy/alert-receiver): make cluster-up deploys it`,
    )
  })
  log(`chaos on namespace ${NAMESPACES.shop}, Alertmanager ${ALERTMANAGER_URL}`)
  try {
    await killRandomShopPod()
    // MySQLDown is shopscope_db_up == 0, reported by the database's own service: product-service's
    // database is not a candidate, since product-service goes down with it and reports nothing.
    const productDatabase = `mysql-${SERVICES['product-service'].database}`
    const databases = (
      await shop('get', 'statefulsets', '-l', 'app.kubernetes.io/name=mysql', '-o', 'name')
    )
      .split('\n')
      .filter((name) => name !== '' && !name.endsWith(`/${productDatabase}`))
    const mysql = pick(databases)
    if (!mysql)
      throw new ChaosFailure(
        `no MySQL StatefulSet but product-service's in namespace ${NAMESPACES.shop}`,
      )
    const [product] = await list<Deployment>(
      'deployments',
      '-n',
      NAMESPACES.shop,
      '-l',
      `${COMPONENT}=product-service`,
    )
    if (!product)
      throw new ChaosFailure(`no product-service Deployment in namespace ${NAMESPACES.shop}`)
    const productTarget = `deployment/${product.metadata.name}`
    const mysqlDown: Labels = { alertname: 'MySQLDown' }
    const serviceDown: Labels = { alertname: 'ServiceDown', service_name: 'product-service' }

    const downAt = Date.now()
    await takeDown(mysql)
    await takeDown(productTarget)
    await seeFire(mysql, mysqlDown, since, downAt)
    await seeFire(productTarget, serviceDown, since, downAt)

    log(`3. restoring ${mysql} and ${productTarget}`)
    await giveBack()
    const upAt = Date.now()
    for (const target of restore.keys()) await rollout(target)
    restore.clear()
    summary.push({
      step: 3,
      action: `${mysql} and ${productTarget} restored`,
      result: 'ready',
      seconds: secondsSince(upAt),
    })
    for (const [target, labels] of [
      [mysql, mysqlDown],
      [productTarget, serviceDown],
    ] as const) {
      await until(
        RESOLVE_TIMEOUT,
        `${labels.alertname} did not resolve within ${RESOLVE_TIMEOUT}s of restoring ${target}`,
        async () => (await alertsListed(labels)) === 0,
      )
      summary.push({
        step: 3,
        action: `${target} restored -> ${labels.alertname}`,
        result: 'resolved',
        seconds: secondsSince(upAt),
      })
    }
    if (AWAIT_RESOLUTION_DELIVERY) {
      for (const labels of [mysqlDown, serviceDown]) {
        await until(
          RESOLVE_TIMEOUT,
          `${labels.alertname} resolved but its resolution was not delivered within ${RESOLVE_TIMEOUT}s`,
          () => deliveredToReceiver(since, 'resolved', labels),
        )
        summary.push({
          step: 3,
          action: `${labels.alertname} resolution delivered to the receiver`,
          result: 'delivered',
          seconds: secondsSince(upAt),
        })
      }
    }
  } catch (error) {
    if (restore.size > 0) {
      log('restoring what was scaled down')
      await giveBack().catch((e: unknown) => log(`restoring failed: ${String(e)}`))
    }
    throw error
  }
  log('summary (seconds since the fault, or since the repair):')
  log(`${'step'.padEnd(4)} ${'action'.padEnd(66)} ${'result'.padEnd(9)} ${'time'.padStart(7)}`)
  for (const s of summary)
    log(
      `${String(s.step).padEnd(4)} ${s.action.padEnd(66)} ${s.result.padEnd(9)} ${`${s.seconds}s`.padStart(7)}`,
    )
}

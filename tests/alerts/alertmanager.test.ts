// Alertmanager routing: amtool checks and route tests, and inhibition on a real Alertmanager.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import { after, before, test } from 'node:test'
import { renderAlertmanagerConfig } from '../../dev/local/alert-config'
import { ALERTMANAGER_CONFIG, loadRuleFiles } from './sources'
import { startAlertmanager, type Daemon } from './daemon'
import { runTool } from '../../dev/local/prometheus-tools'

const RECEIVER_FOR_SEVERITY: Record<string, string> = { critical: 'critical', warning: 'warning' }

function routesTest(receiver: string, labels: Record<string, string>) {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${value}`)
  return runTool('amtool', [
    'config',
    'routes',
    'test',
    `--config.file=${ALERTMANAGER_CONFIG}`,
    `--verify.receivers=${receiver}`,
    ...pairs,
  ])
}

test('amtool check-config accepts the configuration', () => {
  const result = runTool('amtool', ['check-config', ALERTMANAGER_CONFIG])
  assert.equal(result.status, 0, result.output)
})

test('every alert is routed to the receiver of its severity', () => {
  const alerts = loadRuleFiles().flatMap((file) => file.rules.filter((rule) => rule.alert))
  assert.ok(alerts.length >= 9)
  for (const rule of alerts) {
    const severity = rule.labels?.severity ?? ''
    const expected = RECEIVER_FOR_SEVERITY[severity]
    assert.ok(expected, `${rule.alert}: severity ${severity} has no receiver`)
    const labels = { alertname: rule.alert ?? '', severity, service_name: 'order-service' }
    const result = routesTest(expected, labels)
    assert.equal(result.status, 0, `${rule.alert} (${severity}): ${result.output}`)
  }
})

test('a route test with the wrong receiver fails (the check can fail)', () => {
  const result = routesTest('warning', { alertname: 'ServiceDown', severity: 'critical' })
  assert.notEqual(result.status, 0)
})

test('an alert without severity still reaches a receiver (the default)', () => {
  const result = routesTest('warning', { alertname: 'Watchdog' })
  assert.equal(result.status, 0, result.output)
})

interface Delivery {
  path: string
  alerts: { status: string; labels: Record<string, string> }[]
}

interface AlertStatus {
  labels: Record<string, string>
  status: { state: string; inhibitedBy: string[] }
}

let alertmanager: Daemon
const deliveries: Delivery[] = []
const receiver = createServer((req: IncomingMessage, res) => {
  let body = ''
  req.on('data', (chunk: Buffer) => (body += chunk.toString()))
  req.on('end', () => {
    deliveries.push({ path: req.url ?? '', ...(JSON.parse(body) as Omit<Delivery, 'path'>) })
    res.end()
  })
})

before(async () => {
  receiver.listen(0, '127.0.0.1')
  await once(receiver, 'listening')
  const { port } = receiver.address() as { port: number }
  const config = renderAlertmanagerConfig(`http://127.0.0.1:${port}`, { groupWait: '1s' })
  assert.match(config, /group_wait: 1s\n/)
  alertmanager = await startAlertmanager(config)
})

after(async () => {
  await alertmanager?.stop()
  receiver.close()
})

const alert = (alertname: string, severity: string, serviceName: string) => ({
  labels: { alertname, severity, service_name: serviceName },
  annotations: { summary: `${alertname} on ${serviceName}` },
})

async function alertStatuses(): Promise<AlertStatus[]> {
  const res = await fetch(`${alertmanager.url}/api/v2/alerts`)
  return (await res.json()) as AlertStatus[]
}

test('ServiceDown and MySQLDown inhibit the symptoms of the same service only', async () => {
  const posted = await fetch(`${alertmanager.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      alert('ServiceDown', 'critical', 'product-service'),
      alert('HighErrorRate', 'critical', 'product-service'),
      alert('HighLatency', 'warning', 'product-service'),
      alert('HighErrorRate', 'critical', 'frontend'),
      alert('MySQLDown', 'critical', 'order-service'),
      alert('CheckoutFailures', 'critical', 'order-service'),
      alert('CheckoutAvailabilityBurnRate', 'critical', 'order-service'),
    ]),
  })
  assert.equal(posted.status, 200)

  // Each group is notified after group_wait (1s); a few more seconds let a wrongly
  // uninhibited group arrive too.
  const deadline = Date.now() + 20_000
  while (deliveries.flatMap((d) => d.alerts).length < 3 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const state = (name: string, service: string) =>
    alertStatuses().then(
      (all) =>
        all.find((a) => a.labels.alertname === name && a.labels.service_name === service)?.status
          .state,
    )
  assert.equal(await state('HighErrorRate', 'product-service'), 'suppressed')
  assert.equal(await state('HighLatency', 'product-service'), 'suppressed')
  assert.equal(await state('CheckoutFailures', 'order-service'), 'suppressed')
  assert.equal(await state('CheckoutAvailabilityBurnRate', 'order-service'), 'suppressed')
  assert.equal(await state('HighErrorRate', 'frontend'), 'active')
  assert.equal(await state('ServiceDown', 'product-service'), 'active')

  const delivered = deliveries
    .flatMap((d) => d.alerts.map((a) => `${d.path} ${a.labels.alertname} ${a.labels.service_name}`))
    .sort()
  assert.deepEqual(delivered, [
    '/alerts/critical HighErrorRate frontend',
    '/alerts/critical MySQLDown order-service',
    '/alerts/critical ServiceDown product-service',
  ])
})

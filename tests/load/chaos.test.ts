// scripts/chaos/chaos.sh against a simulated cluster: a fake kubectl (fake-kubectl.sh) that raises
// and resolves alerts in a real Alertmanager, as Prometheus would when workloads go away.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { promisify } from 'node:util'
import { startAlertmanager, type Daemon } from '../alerts/daemon'
import { ROOT } from '../../scripts/local/stack'

const CHAOS = join(ROOT, 'scripts/chaos/chaos.sh')
const FAKE_KUBECTL = join(__dirname, 'fake-kubectl.sh')
const run = promisify(execFile)

let alertmanager: Daemon
let workDir: string

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'chaos-'))
  // The repo's routing: its webhook receivers do not resolve here, which only affects delivery.
  const config = readFileSync(join(ROOT, 'alerts/alertmanager.yaml'), 'utf8')
  alertmanager = await startAlertmanager(config)
})

after(async () => {
  await alertmanager?.stop()
  rmSync(workDir, { recursive: true, force: true })
})

interface ChaosRun {
  code: number
  stdout: string
  stderr: string
  kubectlCalls: string[]
}

async function chaos(name: string, env: Record<string, string> = {}): Promise<ChaosRun> {
  const log = join(workDir, `${name}.kubectl.log`)
  writeFileSync(log, '')
  const result = await run(CHAOS, [], {
    timeout: 60_000,
    env: {
      ...process.env,
      KUBECTL: FAKE_KUBECTL,
      FAKE_KUBECTL_LOG: log,
      ALERTMANAGER_URL: alertmanager.url,
      CHAOS_POLL_SECONDS: '0.2',
      CHAOS_ALERT_TIMEOUT: '5',
      CHAOS_RESOLVE_TIMEOUT: '10',
      ...env,
    },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  )
  const kubectlCalls = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace('--context kind-shopscope --namespace shop ', ''))
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, kubectlCalls }
}

const TIMESTAMPED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z /

test('chaos.sh passes shellcheck', async () => {
  const result = await run('shellcheck', [CHAOS, FAKE_KUBECTL]).catch(
    (err: NodeJS.ErrnoException & { stdout?: string }) => {
      if (err.code === 'ENOENT') {
        throw new Error(
          'shellcheck not found: install it with `make deps-system` (Debian shellcheck)',
        )
      }
      throw new Error(`shellcheck found problems:\n${err.stdout}`)
    },
  )
  assert.equal(result.stderr, '')
})

test('kills a shop pod, takes MySQL and product-service away, sees each alert fire and resolve', async () => {
  const { code, stdout, stderr, kubectlCalls } = await chaos('complete')
  assert.equal(code, 0, stderr)
  assert.deepEqual(
    kubectlCalls.filter((call) => /^(delete|scale|rollout)/.test(call)),
    [
      'delete pod/shopscope-frontend-5d8f7-x2k9q --wait=true --timeout=180s',
      'rollout status deployment.apps/shopscope-frontend --timeout=180s',
      'scale statefulset.apps/mysql-products --replicas=0',
      'scale statefulset.apps/mysql-products --replicas=1',
      'rollout status statefulset.apps/mysql-products --timeout=180s',
      'scale deployment.apps/shopscope-product-service --replicas=0',
      'scale deployment.apps/shopscope-product-service --replicas=2',
      'rollout status deployment.apps/shopscope-product-service --timeout=180s',
    ],
  )
  const lines = stdout.trim().split('\n')
  for (const line of lines) assert.match(line, TIMESTAMPED)
  const summary = lines.slice(lines.findIndex((l) => l.endsWith('summary:')) + 1).join('\n')
  assert.match(summary, /1 +kill pod\/shopscope-frontend-5d8f7-x2k9q +replaced +\d+s/)
  assert.match(summary, /2 +statefulset.apps\/mysql-products to 0 -> MySQLDown +firing +\d+s/)
  assert.match(summary, /2 +statefulset.apps\/mysql-products restored -> MySQLDown +resolved/)
  assert.match(summary, /3 +deployment.apps\/shopscope-product-service to 0 -> ServiceDown +firing/)
  assert.match(summary, /3 .* restored -> ServiceDown +resolved +\d+s/)
})

test('an alert that never fires fails the run with a clear message and gives the replicas back', async () => {
  const { code, stderr, kubectlCalls } = await chaos('silent-mysql', {
    FAKE_SILENT_ALERT: 'MySQLDown',
    CHAOS_ALERT_TIMEOUT: '2',
  })
  assert.equal(code, 1)
  assert.match(
    stderr,
    /FAILED: MySQLDown did not fire within 2s of scaling statefulset.apps\/mysql-products to zero/,
  )
  assert.deepEqual(kubectlCalls.slice(-2), [
    'scale statefulset.apps/mysql-products --replicas=0',
    'scale statefulset.apps/mysql-products --replicas=1',
  ])
  assert.ok(!kubectlCalls.some((call) => call.includes('product-service --replicas=0')))
})

test('an unreachable Alertmanager stops the run before anything is touched', async () => {
  const { code, stderr, kubectlCalls } = await chaos('no-alertmanager', {
    ALERTMANAGER_URL: 'http://127.0.0.1:9',
  })
  assert.equal(code, 1)
  assert.match(stderr, /FAILED: Alertmanager does not answer at http:\/\/127.0.0.1:9/)
  assert.deepEqual(kubectlCalls, [])
})

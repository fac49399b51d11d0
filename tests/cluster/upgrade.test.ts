// `helm upgrade` of the shop with a changed value rolls every service out while shoppers browse
// and fill carts through the frontend's Service, and not one of their requests fails: readiness
// probes, the frontend's PodDisruptionBudget, the preStop delay and the services' draining on
// SIGTERM proven together.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { NODE_PORTS } from '../../cdk8s/src/names'
import { Browser } from '../telemetry/browser'
import { HELM, ROOT, SERVICES, currentContext, env, kubectlJson, nodeUrl, useCluster } from './kube'
import { run } from './run'

const SHOPPERS = 4

type Outcome = { ok: number; failed: string[] }

/** One shopper: signs up, then browses, views a product and adds it to the cart until `stop`. */
async function shop(base: string, n: number, stop: () => boolean, outcome: Outcome) {
  // Not sampled: the rollout's traffic need not fill Jaeger.
  const traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`
  const browser = new Browser(base, traceparent)
  await browser.signUp(`Upgrade ${n}`, `upgrade-${Date.now()}-${n}@shopscope.test`)
  const steps: [string, () => Promise<unknown>][] = [
    ['GET /', () => browser.get('/')],
    ['GET /products/2', () => browser.get('/products/2')],
    ['POST /cart/items', () => browser.post('/cart/items', { productId: '2', quantity: '1' })],
    ['GET /cart', () => browser.get('/cart')],
  ]
  while (!stop()) {
    for (const [name, step] of steps) {
      try {
        await step()
        outcome.ok++
      } catch (err) {
        const reason = ((err as Error).message.split('\n')[0] ?? '').slice(0, 120)
        outcome.failed.push(`${new Date().toISOString()} ${name}: ${reason}`)
      }
    }
  }
}

describe('helm upgrade under load', { concurrency: false }, () => {
  before(useCluster)

  it('rolls out a changed value with zero failed requests', async () => {
    const base = await nodeUrl(NODE_PORTS.shop)
    const context = await currentContext()
    type Deployment = { metadata: { name: string; generation: number }; spec: { replicas: number } }
    const before = (await kubectlJson<{ items: Deployment[] }>('-n', 'shop', 'get', 'deployments'))
      .items
    const outcome: Outcome = { ok: 0, failed: [] }
    let stopped = false
    const shoppers = Array.from({ length: SHOPPERS }, (_, n) =>
      shop(base, n, () => stopped, outcome),
    )
    await new Promise((r) => setTimeout(r, 3_000)) // the load is on before the rollout starts

    // A value every service's pod template carries: each Deployment rolls out.
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const started = Date.now()
    const upgrade = await run(
      HELM,
      [
        '--kube-context',
        context,
        'upgrade',
        'shopscope',
        join(ROOT, 'charts', 'shopscope'),
        '--namespace',
        'shop',
        '--reuse-values',
        ...SERVICES.flatMap((s) => [
          '--set-string',
          `services.${s}.podAnnotations.shopscope/rollout=${stamp}`,
        ]),
        '--wait',
        '--timeout',
        '5m',
      ],
      env,
    )
    const rolloutSeconds = (Date.now() - started) / 1000
    await new Promise((r) => setTimeout(r, 5_000)) // and stays on after it
    stopped = true
    await Promise.all(shoppers)
    assert.equal(upgrade.code, 0, upgrade.stdout + upgrade.stderr)

    const after = (await kubectlJson<{ items: Deployment[] }>('-n', 'shop', 'get', 'deployments'))
      .items
    for (const d of before) {
      const now = after.find((a) => a.metadata.name === d.metadata.name)
      assert.ok(
        now && now.metadata.generation > d.metadata.generation,
        `${d.metadata.name} rolled out`,
      )
    }
    console.log(
      `# helm upgrade: ${before.length} Deployments rolled out in ${rolloutSeconds.toFixed(0)} s; ${outcome.ok} requests by ${SHOPPERS} shoppers, ${outcome.failed.length} failed`,
    )
    assert.ok(outcome.ok > 100, `only ${outcome.ok} requests during the rollout`)
    assert.deepEqual(outcome.failed, [])
  })
})

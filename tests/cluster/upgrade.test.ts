// `helm upgrade` of the shop with a changed value rolls every service out while shoppers browse
// and fill carts through the frontend's Service, and not one of their requests fails: readiness
// probes, the PodDisruptionBudgets, the preStop delay and the services' draining on
// SIGTERM proven together.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { NODE_PORTS } from '@shopscope/system'
import { HELM, ROOT, SERVICES, currentContext, env, kubectlJson, nodeUrl, useCluster } from './kube'
import { run } from '../../dev/cluster/run'
import { Shoppers } from '../../dev/traffic/shoppers'

const SHOPPERS = 4

describe('helm upgrade under load', { concurrency: false }, () => {
  before(useCluster)

  it('rolls out a changed value with zero failed requests', async () => {
    const base = await nodeUrl(NODE_PORTS.shop)
    const context = await currentContext()
    type Deployment = { metadata: { name: string; generation: number }; spec: { replicas: number } }
    const before = (await kubectlJson<{ items: Deployment[] }>('-n', 'shop', 'get', 'deployments'))
      .items
    // Browse, view product 2 and add it to the cart, round after round.
    const shoppers = new Shoppers({
      baseUrl: base,
      shoppers: SHOPPERS,
      label: 'upgrade',
      checkOut: false,
    })
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
    await shoppers.stop()
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
      `# helm upgrade: ${before.length} Deployments rolled out in ${rolloutSeconds.toFixed(0)} s; ${shoppers.ok} requests by ${SHOPPERS} shoppers, ${shoppers.failures().length} failed`,
    )
    assert.ok(shoppers.ok > 100, `only ${shoppers.ok} requests during the rollout`)
    assert.deepEqual(shoppers.failures(), [])
  })
})

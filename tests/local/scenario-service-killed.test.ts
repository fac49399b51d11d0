// Scenario (c) on the local stack: product-service is killed under load. ServiceDown and
// HighErrorRate (its callers answer 503) must reach the critical receiver, with the seconds
// from the kill to the delivery printed, and both must be delivered resolved after a restart.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { killProcess, restartProcess } from '../../dev/local/stack'
import type { Delivery } from '../../dev/local/alert-recorder'
import { eventually } from './eventually'
import { startLoad, type Load } from './load'
import { deliveries, sleep, useLocalStack, type LocalStack } from './local-stack'

const seconds = (ms: number) => (ms / 1000).toFixed(1)

describe('local stack: product-service killed under load', () => {
  let stack: LocalStack
  let load: Load | undefined
  before(async () => {
    stack = await useLocalStack('killed')
  })
  after(async () => {
    await load?.stop()
    await stack?.stop()
  })

  it('(c) ServiceDown and HighErrorRate are delivered, then resolved after the restart', async () => {
    const { state } = stack
    load = await startLoad(state, { requestsPerSecond: 15 })
    // Rates need a few scrapes of healthy traffic before the failure.
    await sleep(15_000)
    assert.deepEqual(await deliveries(state), [], 'alerts before the kill')

    const killedAt = Date.now()
    await killProcess(state, 'product-service')
    const firstDelivery = async (match: (d: Delivery) => boolean) => {
      const found = (await deliveries(state)).filter(match)
      return found.length > 0 ? found[0] : undefined
    }
    const serviceDown = await eventually(
      'ServiceDown delivered',
      () =>
        firstDelivery(
          (d) =>
            d.alertname === 'ServiceDown' &&
            d.status === 'firing' &&
            d.labels.service_name === 'product-service',
        ),
      120_000,
      500,
    )
    const highErrorRate = await eventually(
      'HighErrorRate delivered',
      () => firstDelivery((d) => d.alertname === 'HighErrorRate' && d.status === 'firing'),
      120_000,
      500,
    )
    console.log(
      `kill → delivery: ServiceDown ${seconds(serviceDown.receivedAt - killedAt)} s, ` +
        `HighErrorRate{service_name="${highErrorRate.labels.service_name}"} ` +
        `${seconds(highErrorRate.receivedAt - killedAt)} s`,
    )
    assert.equal(serviceDown.receiver, 'critical')
    assert.equal(highErrorRate.receiver, 'critical')
    // The callers fail, not product-service itself (it has no metrics while dead).
    assert.notEqual(highErrorRate.labels.service_name, 'product-service')

    const restartedAt = Date.now()
    await restartProcess(state, 'product-service')
    const resolved = (name: string, service?: string) =>
      eventually(
        `${name} resolved`,
        () =>
          firstDelivery(
            (d) =>
              d.alertname === name &&
              d.status === 'resolved' &&
              (!service || d.labels.service_name === service),
          ),
        180_000,
        500,
      )
    const [downResolved, errorsResolved] = await Promise.all([
      resolved('ServiceDown', 'product-service'),
      resolved('HighErrorRate', highErrorRate.labels.service_name),
    ])
    console.log(
      `restart → resolved: ServiceDown ${seconds(downResolved.receivedAt - restartedAt)} s, ` +
        `HighErrorRate ${seconds(errorsResolved.receivedAt - restartedAt)} s`,
    )
  })
})

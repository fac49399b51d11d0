import assert from 'node:assert/strict'
import { it } from 'node:test'
import { add, stackResources } from '../../dev/cluster/stack-resources'

it('the whole stack asks for at most 4 GiB of memory, and every pod of ours sets requests and limits', () => {
  const rows = stackResources()
  const total = rows.reduce(add)
  assert.ok(
    total.memoryRequest <= 4 * 2 ** 30,
    `memory requests ${total.memoryRequest / 2 ** 20}Mi`,
  )
  for (const row of rows.filter((r) => r.source === 'cdk8s' || r.source.startsWith('charts/'))) {
    assert.ok(row.cpuRequest > 0 && row.memoryRequest > 0 && row.memoryLimit > 0, row.component)
  }
  for (const name of [
    'prometheus',
    'grafana',
    'shopscope-collector',
    'loki',
    'jaeger',
    'mysql-orders',
  ]) {
    assert.ok(
      rows.some((r) => r.component === name),
      `${name} is not counted`,
    )
  }
})

import type { FastifyInstance } from 'fastify'
import { exemplarLabels, promClient } from '@shopscope/kit'

export type FailureReason = 'out_of_stock' | 'empty_cart' | 'dependency'
const FAILURE_REASONS: FailureReason[] = ['out_of_stock', 'empty_cart', 'dependency']

/** order-service's business metrics, whose names alerts/ and dashboards/src query. */
export function createMetrics(registry: FastifyInstance['metrics']) {
  const failed = new promClient.Counter({
    name: 'shopscope_orders_failed_total',
    help: 'Checkouts that did not create an order, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
    enableExemplars: true,
  })
  // Zero series from the start, so rate() and alerts see the first failure.
  for (const reason of FAILURE_REASONS) failed.inc({ labels: { reason }, value: 0 })
  const created = new promClient.Counter({
    name: 'shopscope_orders_created_total',
    help: 'Orders confirmed (stock reserved)',
    registers: [registry],
    enableExemplars: true,
  })
  const value = new promClient.Histogram({
    name: 'shopscope_order_value_euros',
    help: 'Total of each confirmed order, in euros',
    buckets: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
    enableExemplars: true,
  })
  return {
    orderConfirmed(total: number): void {
      created.inc({ value: 1, exemplarLabels: exemplarLabels() })
      value.observe({ value: total, exemplarLabels: exemplarLabels() })
    },
    checkoutFailed(reason: FailureReason): void {
      failed.inc({ labels: { reason }, value: 1, exemplarLabels: exemplarLabels() })
    },
  }
}
export type Metrics = ReturnType<typeof createMetrics>

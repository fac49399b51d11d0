import type { FastifyInstance } from 'fastify'
import { exemplarLabels, promClient } from '@shopscope/kit'

export type ReservationResult = 'reserved' | 'rejected' | 'committed' | 'released' | 'expired'

/** product-service's business metrics, whose names alerts/ and dashboards/src query. */
export function createMetrics(registry: FastifyInstance['metrics']) {
  const reservations = new promClient.Counter({
    name: 'shopscope_stock_reservations_total',
    help: 'Stock reservations by result: reserved, rejected (not enough stock), committed, released or expired',
    labelNames: ['result'] as const,
    registers: [registry],
    enableExemplars: true,
  })
  return {
    reservation(result: ReservationResult): void {
      reservations.inc({ labels: { result }, value: 1, exemplarLabels: exemplarLabels() })
    },
  }
}
export type Metrics = ReturnType<typeof createMetrics>

import type { FastifyInstance } from 'fastify'
import { exemplarLabels, promClient } from '@shopscope/kit'
import type { HashingGate } from './hashing-gate'

export type LoginResult = 'success' | 'failure' | 'rate_limited'

/** user-service's business metrics, whose names alerts/ and dashboards/src query. */
export function createMetrics(
  registry: FastifyInstance['metrics'],
  gates: Record<'registration' | 'login', HashingGate>,
) {
  const logins = new promClient.Counter({
    name: 'shopscope_logins_total',
    help: 'Login attempts by result: success, failure (bad credentials) or rate_limited',
    labelNames: ['result'] as const,
    registers: [registry],
    enableExemplars: true,
  })
  const registrations = new promClient.Counter({
    name: 'shopscope_users_registered_total',
    help: 'Accounts created through POST /api/v1/users',
    registers: [registry],
    enableExemplars: true,
  })
  // How busy each hashing gate is: a gate always full means the service needs more CPU.
  new promClient.Gauge({
    name: 'shopscope_password_hashing',
    help: 'Password hashes by kind (registration, login) and state (running, waiting)',
    labelNames: ['kind', 'state'] as const,
    registers: [registry],
    collect() {
      for (const [kind, gate] of Object.entries(gates)) {
        const { running, waiting } = gate.load
        this.set({ kind, state: 'running' }, running)
        this.set({ kind, state: 'waiting' }, waiting)
      }
    },
  })
  return {
    login(result: LoginResult): void {
      logins.inc({ labels: { result }, value: 1, exemplarLabels: exemplarLabels() })
    },
    registration(): void {
      registrations.inc({ labels: {}, value: 1, exemplarLabels: exemplarLabels() })
    },
  }
}
export type Metrics = ReturnType<typeof createMetrics>

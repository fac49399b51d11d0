import { trace } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { exemplarLabels, promClient } from '@shopscope/kit'
import type { HashingGate } from './hashing-gate'

export type LoginResult = 'success' | 'failure' | 'rate_limited'

export function createUserMetrics(registry: FastifyInstance['metrics']) {
  return {
    logins: new promClient.Counter({
      name: 'shopscope_logins_total',
      help: 'Login attempts by result: success, failure (bad credentials) or rate_limited',
      labelNames: ['result'] as const,
      registers: [registry],
      enableExemplars: true,
    }),
    registrations: new promClient.Counter({
      name: 'shopscope_users_registered_total',
      help: 'Accounts created through POST /api/v1/users',
      registers: [registry],
      enableExemplars: true,
    }),
  }
}
export type UserMetrics = ReturnType<typeof createUserMetrics>

/** How busy each hashing gate is: a gate always full means the service needs more CPU. */
export function registerHashingMetrics(
  registry: FastifyInstance['metrics'],
  gates: Record<'registration' | 'login', HashingGate>,
): void {
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
}

export function countLogin(metrics: UserMetrics, result: LoginResult): void {
  metrics.logins.inc({ labels: { result }, value: 1, exemplarLabels: exemplarLabels() })
}

export function countRegistration(metrics: UserMetrics): void {
  metrics.registrations.inc({ labels: {}, value: 1, exemplarLabels: exemplarLabels() })
}

/**
 * Lets traces be grouped by user without putting personal data in the tracing backend: the
 * user's pseudonym (kit's `userPseudonym`, keyed), never the id nor the email.
 */
export function tagSpanWithUser(pseudonym: string): void {
  trace.getActiveSpan()?.setAttribute('user.id', pseudonym)
}

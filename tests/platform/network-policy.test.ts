import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ALL_SERVICES } from '@shopscope/system'
import { type K8sObject, ciValuesFiles, helmTemplate, parseObjects } from '../../dev/cluster/render'

type Peer = {
  podSelector?: { matchLabels?: Record<string, string> }
  namespaceSelector?: unknown
  ipBlock?: unknown
}
type Rule = { from?: Peer[]; to?: Peer[]; ports?: { port: number | string; protocol: string }[] }

const COMPONENT = 'app.kubernetes.io/component'
const component = (peer: Peer) => peer.podSelector?.matchLabels?.[COMPONENT]

for (const values of ciValuesFiles()) {
  describe(`NetworkPolicies (${values.split('/').pop()})`, () => {
    const policies = parseObjects(helmTemplate([values])).filter((o) => o.kind === 'NetworkPolicy')
    const policy = (name: string): K8sObject => {
      const found = policies.find((p) => p.spec.podSelector.matchLabels[COMPONENT] === name)
      assert.ok(found, `no NetworkPolicy for ${name}`)
      return found
    }

    it('deny everything by default for every pod of the release', () => {
      const deny = policies.find((p) => p.metadata.name.endsWith('-default-deny'))!
      assert.deepEqual(deny.spec.policyTypes, ['Ingress', 'Egress'])
      assert.equal(deny.spec.ingress, undefined)
      assert.equal(deny.spec.egress, undefined)
      assert.equal(deny.spec.podSelector.matchLabels['app.kubernetes.io/instance'], 'shopscope')
      assert.equal(deny.spec.podSelector.matchLabels[COMPONENT], undefined)
    })

    // Who may call whom: the model's dependencies (system/test checks them against the services).
    for (const { name: service, dependencies: upstreams, database } of ALL_SERVICES) {
      it(`${service}: egress only to ${upstreams.join(', ') || 'no service'}, its database, DNS and the Collector`, () => {
        const egress = policy(service).spec.egress as Rule[]
        // Same-namespace peers only: the Collector's pods also carry a component label.
        const services = egress
          .flatMap((r) => r.to ?? [])
          .filter((peer) => !peer.namespaceSelector)
          .map(component)
          .filter(Boolean)
        assert.deepEqual(services.sort(), [...upstreams].sort())
        const ports = egress.flatMap((r) => (r.ports ?? []).map((p) => p.port))
        assert.ok(
          ports.includes(53) && ports.includes(4318),
          `${service}: DNS or Collector missing`,
        )
        assert.equal(ports.includes(3306), database !== null)
      })

      it(`${service}: from the observability namespace, only its Prometheus pods scrape`, () => {
        const ingress = policy(service).spec.ingress as Rule[]
        const observability = ingress
          .flatMap((r) => r.from ?? [])
          .filter((peer) => JSON.stringify(peer.namespaceSelector ?? {}).includes('observability'))
        assert.ok(observability.length > 0, 'Prometheus cannot scrape')
        for (const peer of observability)
          assert.deepEqual(
            peer.podSelector?.matchLabels,
            { 'app.kubernetes.io/name': 'prometheus' },
            'every pod of the observability namespace reaches the API port',
          )
      })

      it(`${service}: ingress from its callers only (and Prometheus)`, () => {
        const callers = ALL_SERVICES.filter((s) => s.dependencies.includes(service)).map(
          (s) => s.name,
        )
        const ingress = policy(service).spec.ingress as Rule[]
        const fromServices = ingress
          .flatMap((r) => r.from ?? [])
          .map(component)
          .filter((c) => c && c !== 'test')
        assert.deepEqual(fromServices.sort(), callers.sort())
        if (service !== 'frontend')
          assert.ok(
            ingress.every((r) => r.from && r.from.length > 0),
            'open ingress',
          )
      })
    }
  })
}

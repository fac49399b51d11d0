import assert from 'node:assert/strict'
import { basename } from 'node:path'
import { describe, it } from 'node:test'
import Fastify from 'fastify'
import { BaseEnv, loadConfig } from '@shopscope/kit'
import { ciValuesFiles, helmTemplate, parseObjects, type K8sObject } from '../../dev/cluster/render'

/**
 * The login and sign-up limits count on the shopper's address, which the frontend takes from
 * `request.ip` (its TRUST_PROXY) and forwards to user-service. In every supported topology the
 * rendered chart must make that the shopper's own address: here the frontend's rendered
 * TRUST_PROXY and Service meet the addresses a request arrives from in each.
 */
const file = (name: string) => ciValuesFiles().find((f) => basename(f) === name) as string
const KIND = file('kind-values.yaml')
/** The chart's own defaults: only the credentials it cannot do without. */
const DEFAULTS = ['secrets.existingSecret=shopscope-credentials']

function frontendOf(valuesFiles: string[], set: string[] = []) {
  const objects = parseObjects(helmTemplate(valuesFiles, [...DEFAULTS, ...set]))
  const find = (kind: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name.endsWith('-frontend')) as K8sObject
  const trustProxy = find('ConfigMap').data?.TRUST_PROXY ?? ''
  // What the frontend does with it at boot (kit/config.ts validates, server.ts hands it on).
  const config = loadConfig(BaseEnv, { PORT: '8080', TRUST_PROXY: trustProxy })
  return { service: find('Service'), trustProxy: config.TRUST_PROXY }
}

/** `request.ip` of a frontend with `trustProxy` for a request from `socket` with `forwarded`. */
async function shopperSeen(trustProxy: string, socket: string, forwarded?: string) {
  const app = Fastify({ trustProxy: trustProxy === '' ? false : trustProxy })
  app.get('/', async (request) => request.ip)
  const headers = forwarded === undefined ? {} : { 'x-forwarded-for': forwarded }
  const res = await app.inject({ url: '/', remoteAddress: socket, headers })
  await app.close()
  return res.body
}

const SHOPPER = '203.0.113.9'
/** Pod addresses of an ingress controller in common pod networks (kind, k3s, EKS, GKE). */
const INGRESS_PODS = ['10.244.1.23', '10.42.0.15', '192.168.12.4', '172.20.3.9', 'fd00:10::5']

describe("the shopper's address in every supported topology", () => {
  for (const [name, values] of [
    ['the default values', []],
    ['staging (ingress-nginx)', [file('staging-values.yaml')]],
  ] as const) {
    it(`behind an ingress (${name}): the address the controller saw, not a forged one`, async () => {
      const { trustProxy, service } = frontendOf([...values])
      assert.equal(service.spec.type, 'ClusterIP')
      for (const pod of INGRESS_PODS) {
        assert.equal(await shopperSeen(trustProxy, pod, SHOPPER), SHOPPER, `via ${pod}`)
        // A shopper's own X-Forwarded-For comes first; the controller appends what it saw.
        assert.equal(await shopperSeen(trustProxy, pod, `198.51.100.1, ${SHOPPER}`), SHOPPER)
      }
    })
  }

  it('on a NodePort or LoadBalancer: Local keeps the address, which no header can change', async () => {
    for (const type of ['NodePort', 'LoadBalancer']) {
      const { trustProxy, service } = frontendOf(
        [],
        [
          `services.frontend.service.type=${type}`,
          'services.frontend.service.externalTrafficPolicy=Local',
        ],
      )
      assert.equal(service.spec.externalTrafficPolicy, 'Local', type)
      assert.equal(await shopperSeen(trustProxy, SHOPPER, '10.0.0.1'), SHOPPER)
    }
  })

  it('the chart defaults to Local for a NodePort', () => {
    const { service } = frontendOf([], ['services.frontend.service.type=NodePort'])
    assert.equal(service.spec.externalTrafficPolicy, 'Local')
  })

  it("kind: browsers are the laptop's one address; the load Job's pods name their shoppers", async () => {
    const { trustProxy, service } = frontendOf([KIND])
    assert.equal(service.spec.type, 'NodePort')
    // Through the port mapping on the control-plane node, SNAT'd to a node's address (Cluster).
    assert.equal(service.spec.externalTrafficPolicy, 'Cluster')
    for (const node of ['172.18.0.2', '172.18.0.3'])
      assert.equal(await shopperSeen(trustProxy, node, '198.51.100.50'), node)
    // The Locust Job (a pod) sends one X-Forwarded-For per simulated shopper.
    assert.equal(await shopperSeen(trustProxy, '10.244.2.7', '198.18.0.3'), '198.18.0.3')
  })
})

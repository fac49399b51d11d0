// The chart's service identities and fault injection: each pod holds only its own keys, and
// fault injection is off unless asked for, its admin port on no Service, never in production.
import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey } from 'node:crypto'
import { basename } from 'node:path'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import type { ServiceName } from '@shopscope/system'
import { parse } from 'yaml'
import {
  ciValuesFiles,
  helmTemplate,
  helmTemplateResult,
  parseObjects,
  type K8sObject,
} from '../../dev/cluster/render'

const kind = ciValuesFiles().find((file) => basename(file) === 'kind-values.yaml') as string

interface EnvVar {
  name: string
  value?: string
  valueFrom?: { secretKeyRef?: { key: string } }
}
/** Every variable name each service's containers get, by service. */
function envByService(objects: K8sObject[]): Record<string, EnvVar[]> {
  const result: Record<string, EnvVar[]> = {}
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const pod = d.spec.template.spec
    result[d.metadata.name.replace(/^shopscope-/, '')] = [
      ...pod.containers,
      ...(pod.initContainers ?? []),
    ].flatMap((c: { env?: EnvVar[] }) => c.env ?? [])
  }
  return result
}
const names = (env: EnvVar[]) => new Set(env.map((e) => e.name))

describe('service identities in the chart', () => {
  const env = envByService(parseObjects(helmTemplate([kind])))
  const KEYS = [
    'FRONTEND_SIGNING_KEY',
    'FRONTEND_PUBLIC_KEY',
    'ORDER_SERVICE_SIGNING_KEY',
    'ORDER_SERVICE_PUBLIC_KEY',
  ]
  const expected: Record<ServiceName, string[]> = {
    frontend: ['FRONTEND_SIGNING_KEY'],
    'order-service': ['ORDER_SERVICE_SIGNING_KEY'],
    'product-service': ['ORDER_SERVICE_PUBLIC_KEY'],
    'user-service': ['FRONTEND_PUBLIC_KEY'],
  }

  it('each pod holds its own signing key or the public keys it trusts, nothing more', () => {
    for (const [service, keys] of Object.entries(expected)) {
      const held = KEYS.filter((k) => names(env[service] ?? []).has(k))
      assert.deepEqual(held, keys, service)
    }
    for (const vars of Object.values(env)) assert.ok(!names(vars).has('SERVICE_TOKEN_SECRET'))
  })

  it("the kind values' public keys belong to their private keys", () => {
    const values = parse(readFileSync(kind, 'utf8')).secrets.values as Record<string, string>
    for (const service of ['FRONTEND', 'ORDER_SERVICE']) {
      const der = (text: string | undefined) => Buffer.from(text ?? '', 'base64')
      const privateKey = createPrivateKey({
        key: der(values[`${service}_SIGNING_KEY`]),
        format: 'der',
        type: 'pkcs8',
      })
      assert.equal(privateKey.asymmetricKeyType, 'ed25519')
      assert.equal(
        createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64'),
        values[`${service}_PUBLIC_KEY`],
      )
    }
  })
})

describe('fault injection in the chart', () => {
  it('is off by default: no FAULT_* variable, no admin listener, no token in any pod', () => {
    for (const values of ciValuesFiles()) {
      const objects = parseObjects(helmTemplate([values]))
      for (const [service, vars] of Object.entries(envByService(objects))) {
        const faulty = [...names(vars)].filter((n) => /^FAULT_|^ADMIN_PORT$/.test(n))
        assert.deepEqual(faulty, [], `${basename(values)} ${service}`)
      }
      const secret = objects.find((o) => o.kind === 'Secret')
      assert.equal(secret?.stringData?.FAULT_ADMIN_TOKEN, undefined)
    }
  })

  it('when enabled: the switch, the admin port and the token, the port on no Service', () => {
    const token = 'x'.repeat(40)
    const objects = parseObjects(
      helmTemplate(
        [kind],
        ['faultInjection.enabled=true', `secrets.values.FAULT_ADMIN_TOKEN=${token}`],
      ),
    )
    for (const [service, vars] of Object.entries(envByService(objects))) {
      const byName = new Map(vars.map((v) => [v.name, v]))
      assert.equal(byName.get('FAULT_INJECTION_ENABLED')?.value, 'true', service)
      assert.equal(byName.get('ADMIN_PORT')?.value, '8090', service)
      assert.equal(
        byName.get('FAULT_ADMIN_TOKEN')?.valueFrom?.secretKeyRef?.key,
        'FAULT_ADMIN_TOKEN',
      )
    }
    for (const o of objects.filter((x) => x.kind === 'Service'))
      for (const p of o.spec.ports) assert.notEqual(p.targetPort, 8090, o.metadata.name)
    for (const d of objects.filter((x) => x.kind === 'Deployment'))
      for (const c of d.spec.template.spec.containers)
        for (const p of c.ports ?? []) assert.notEqual(p.containerPort, 8090, d.metadata.name)
    assert.equal(objects.find((o) => o.kind === 'Secret')?.stringData?.FAULT_ADMIN_TOKEN, token)
  })

  for (const [name, set, message] of [
    ['without a token', ['faultInjection.enabled=true'], /FAULT_ADMIN_TOKEN is required/],
    [
      'in production',
      [
        'faultInjection.enabled=true',
        'secrets.values.FAULT_ADMIN_TOKEN=' + 'x'.repeat(40),
        'environment=production',
      ],
      /refused when environment is production/,
    ],
  ] as const) {
    it(`refuses to render fault injection ${name}`, () => {
      const result = helmTemplateResult([kind], [...set])
      assert.notEqual(result.code, 0)
      assert.match(result.stderr, message)
    })
  }

  it('tells the services the environment (SHOPSCOPE_ENV), which refuse faults in production', () => {
    const objects = parseObjects(helmTemplate([kind], ['environment=production']))
    for (const cm of objects.filter((o) => o.kind === 'ConfigMap' && o.data?.PORT))
      assert.equal(cm.data?.SHOPSCOPE_ENV, 'production', cm.metadata.name)
  })
})

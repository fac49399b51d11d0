// On kind, an alert's runbook_url reaches its docs/runbooks file: the host port kind-config.yaml
// maps, the node port of the runbooks Service, the container behind it and the files it serves.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'
import { readInputs } from '../../cdk8s/src/inputs'
import { type K8sObject, readObjects, synthPlatform } from '../../dev/cluster/render'

type Container = {
  command: string[]
  ports?: { name: string }[]
  volumeMounts: { name: string; mountPath: string }[]
}
type Volume = { name: string; configMap: { name: string; items: { key: string; path: string }[] } }

const kind = parse(readFileSync(join(REPO_ROOT, 'kind-config.yaml'), 'utf8')) as {
  nodes: { extraPortMappings?: { containerPort: number; hostPort: number }[] }[]
}
const objects = readObjects(synthPlatform().files)
const one = (kindName: string, test: (o: K8sObject) => boolean): K8sObject => {
  const found = objects.filter((o) => o.kind === kindName && test(o))
  assert.equal(found.length, 1, `${kindName}: ${found.map((o) => o.metadata.name).join(', ')}`)
  return found[0]!
}
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value)

/** What a container sees under `dir`: path below it → text, from the ConfigMaps mounted there. */
function filesUnder(pod: K8sObject, container: Container, dir: string): Map<string, string> {
  const files = new Map<string, string>()
  for (const mount of container.volumeMounts.filter((m) => m.mountPath === dir)) {
    const volume = (pod.spec.template.spec.volumes as Volume[]).find((v) => v.name === mount.name)
    assert.ok(volume?.configMap.items, `${mount.name}: a ConfigMap volume with its items`)
    const data = one('ConfigMap', (o) => o.metadata.name === volume.configMap.name).data ?? {}
    for (const item of volume.configMap.items) files.set(item.path, data[item.key] ?? '')
  }
  return files
}

describe('runbooks on the kind cluster', () => {
  it("every alert's runbook_url is served, as text, from its docs/runbooks file", () => {
    const alerts = objects
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o) => o.spec.groups.flatMap((g: { rules: unknown[] }) => g.rules))
      .filter((r: { alert?: string }) => r.alert) as {
      alert: string
      annotations: { runbook_url: string }
    }[]
    assert.ok(alerts.length > 0, 'no alert in the PrometheusRules')

    const service = one('Service', (o) => o.metadata.name === 'runbooks')
    const port = service.spec.ports[0] as { nodePort: number; targetPort: string }
    const mapping = kind.nodes
      .flatMap((n) => n.extraPortMappings ?? [])
      .find((m) => m.containerPort === port.nodePort)
    assert.ok(mapping, `kind-config.yaml maps no host port to node port ${port.nodePort}`)
    const pod = one('Deployment', (o) =>
      matches(service.spec.selector, o.spec.template.metadata.labels),
    )
    const container = (pod.spec.template.spec.containers as Container[]).find((c) =>
      (c.ports ?? []).some((p) => p.name === port.targetPort),
    )
    assert.ok(container, `no container of ${pod.metadata.name} has the port ${port.targetPort}`)
    const flag = (name: string) => container.command[container.command.indexOf(name) + 1] ?? ''
    const served = filesUnder(pod, container, flag('-h'))
    const conf = filesUnder(pod, container, dirname(flag('-c'))).get(basename(flag('-c')))
    assert.match(conf ?? '', /^\.md:text\/plain/m, 'httpd.conf: Markdown as text, not a download')

    for (const { alert, annotations } of alerts) {
      const url = new URL(annotations.runbook_url)
      assert.equal(`${url.hostname}:${url.port}`, `localhost:${mapping.hostPort}`, alert)
      assert.equal(
        served.get(url.pathname.slice(1)),
        readFileSync(join(REPO_ROOT, 'docs', 'runbooks', `${alert}.md`), 'utf8'),
        `${alert}: ${url} serves no docs/runbooks/${alert}.md`,
      )
    }
  })

  it('RUNBOOK_BASE_URL at synth replaces that default, or synthesis fails naming it', () => {
    const inputs = readInputs(REPO_ROOT, {
      RUNBOOK_BASE_URL: 'https://docs.example/shop/runbooks/',
    })
    assert.equal(inputs.runbookBaseUrl, 'https://docs.example/shop/runbooks')
    assert.throws(
      () => readInputs(REPO_ROOT, { RUNBOOK_BASE_URL: 'docs/runbooks' }),
      /RUNBOOK_BASE_URL/,
    )
  })
})

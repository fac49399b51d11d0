import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NODE_PORTS, REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'
import { kubePrometheusStackValues } from '../../cdk8s/src/kube-prometheus-stack-values'
import { KIND_LOGS_UI } from '../../cdk8s/src/charts/observability-chart'
import { VERSIONS, ciValuesFiles, readObjects, synthPlatform } from '../../dev/cluster/render'
import { runSync } from '../../dev/cluster/run'
import { urlRows } from '../../dev/cluster/urls'

type Node = {
  role: string
  image?: string
  extraPortMappings?: { containerPort: number; hostPort: number }[]
}
const config = parse(readFileSync(join(REPO_ROOT, 'kind-config.yaml'), 'utf8')) as {
  nodes: Node[]
  containerdConfigPatches?: string[]
  kubeadmConfigPatches?: string[]
}

describe('kind cluster', () => {
  it('has one control plane and two workers, on the node image of versions.env only', () => {
    assert.deepEqual(
      config.nodes.map((n) => n.role),
      ['control-plane', 'worker', 'worker'],
    )
    // One pin: the config names no image, cluster-up passes KIND_NODE_IMAGE.
    for (const node of config.nodes) assert.equal(node.image, undefined, node.role)
    // helm template and kubeconform validate against the minor the nodes run.
    const minor = (version: string) => version.split('.').slice(0, 2).join('.')
    const node = /^docker\.io\/kindest\/node:v(\d+\.\d+\.\d+)@sha256:[0-9a-f]{64}$/.exec(
      VERSIONS.KIND_NODE_IMAGE!,
    )
    assert.ok(node, `KIND_NODE_IMAGE must be pinned by digest: ${VERSIONS.KIND_NODE_IMAGE}`)
    assert.equal(minor(node[1]!), minor(VERSIONS.KUBERNETES_VERSION!))
  })

  it('patches every node for podman on the build machines (scripts/cluster/kind)', () => {
    // Cluster-wide (no node names them): containerd may not lower oom_score_adj (no
    // CAP_SYS_RESOURCE there) and the kubelet runs on cgroup v1 (hybrid hosts).
    const containerd = (config.containerdConfigPatches ?? []).join('\n')
    assert.match(
      containerd,
      /\[plugins\."io\.containerd\.grpc\.v1\.cri"\]\s+restrict_oom_score_adj = true/,
    )
    const kubelet = (config.kubeadmConfigPatches ?? [])
      .map((p) => parse(p) as { kind?: string; failCgroupV1?: boolean })
      .find((p) => p.kind === 'KubeletConfiguration')
    assert.equal(kubelet?.failCgroupV1, false)
    for (const node of config.nodes) assert.equal(JSON.stringify(node).includes('Patches'), false)
  })

  it('maps every browser-facing node port to localhost, and those Services use them', () => {
    const mapped = config.nodes[0]!.extraPortMappings!.map((m) => m.containerPort).sort()
    assert.deepEqual(mapped, Object.values(NODE_PORTS).sort())
    const kps = kubePrometheusStackValues('unused', VERSIONS)
    assert.equal(kps.grafana.service.nodePort, NODE_PORTS.grafana)
    assert.equal(kps.prometheus.service.nodePort, NODE_PORTS.prometheus)
    assert.equal(kps.alertmanager.service.nodePort, NODE_PORTS.alertmanager)
    const kindValues = parse(
      readFileSync(
        ciValuesFiles().find((f) => f.endsWith('kind-values.yaml'))!,
        'utf8',
      ),
    )
    assert.equal(kindValues.services.frontend.service.nodePort, NODE_PORTS.shop)
    const jaegerUi = readObjects(synthPlatform().files).find(
      (o) => o.metadata.name === 'jaeger-ui',
    )!
    assert.equal(jaegerUi.spec.ports[0].nodePort, NODE_PORTS.jaeger)
    const victoriaLogsUi = readObjects(synthPlatform('victorialogs').files).find(
      (o) => o.metadata.name === 'victoria-logs-ui',
    )!
    assert.equal(victoriaLogsUi.spec.ports[0].nodePort, NODE_PORTS.victoriaLogs)
  })

  it('prints the URLs on the ports of this machine kind maps to the node ports', () => {
    const hostPort = (nodePort: number) =>
      config.nodes[0]!.extraPortMappings!.find((m) => m.containerPort === nodePort)?.hostPort
    const printed = (env: NodeJS.ProcessEnv) =>
      Object.fromEntries(urlRows(env).map(([what, url]) => [what, url]))
    const local = (nodePort: number, path = '') => `http://127.0.0.1:${hostPort(nodePort)}${path}`
    const everywhere = {
      shop: local(NODE_PORTS.shop),
      'Jaeger UI': local(NODE_PORTS.jaeger),
      Prometheus: local(NODE_PORTS.prometheus),
      Alertmanager: local(NODE_PORTS.alertmanager),
      runbooks: local(NODE_PORTS.runbooks),
    }
    assert.deepEqual(printed({ KIND_ENGINE: 'docker' }), {
      ...everywhere,
      Grafana: local(NODE_PORTS.grafana),
      'logs UI': local(NODE_PORTS.grafana, '/explore'),
    })
    // In-box: no Grafana, the logs in VictoriaLogs' own UI on its mapped port.
    assert.deepEqual(printed({ KIND_ENGINE: 'podman' }), {
      ...everywhere,
      'logs UI': local(NODE_PORTS.victoriaLogs, '/select/vmui/'),
    })
  })

  it("links Jaeger's traces to the logs UIs on the ports kind maps to their node ports", () => {
    const hostPort = (nodePort: number) =>
      config.nodes[0]!.extraPortMappings!.find((m) => m.containerPort === nodePort)?.hostPort
    assert.equal(KIND_LOGS_UI.loki.url, `http://localhost:${hostPort(NODE_PORTS.grafana)}`)
    assert.equal(
      KIND_LOGS_UI.victorialogs.url,
      `http://localhost:${hostPort(NODE_PORTS.victoriaLogs)}`,
    )
  })

  it('cluster up checks its prerequisites first and names every missing tool', () => {
    // A PATH with nothing but node: on podman, whose tools are then "missing", the command stops
    // before touching podman or a cluster. .tools/bin (make tool-kind, tool-helm) comes first.
    const bin = mkdtempSync(join(tmpdir(), 'shopscope-path-'))
    symlinkSync(process.execPath, join(bin, 'node'))
    const result = spawnSync(
      join(bin, 'node'),
      ['--import', 'tsx', join(REPO_ROOT, 'dev', 'main.ts'), 'cluster', 'up'],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { PATH: bin, HOME: bin, KIND_ENGINE: 'podman' } },
    )
    assert.equal(result.status, 1, result.stderr)
    assert.match(result.stdout, /Checking prerequisites \(podman\)/)
    const missing = ['podman', 'buildah', 'kind', 'helm'].filter(
      (tool) => !existsSync(join(REPO_ROOT, '.tools', 'bin', tool)),
    )
    assert.match(result.stderr, new RegExp(`missing tools: ${missing.join(' ')} \\(`))
  })

  it('scripts/cluster/kind/*.sh parse (bash -n)', () => {
    const dir = join(REPO_ROOT, 'scripts', 'cluster', 'kind')
    const scripts = readdirSync(dir).filter((f) => f.endsWith('.sh'))
    assert.ok(scripts.length > 0)
    for (const script of scripts) {
      const result = runSync('bash', ['-n', join(dir, script)])
      assert.equal(result.code, 0, `${script}: ${result.stderr}`)
    }
  })
})

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
import { run } from '../../dev/cluster/tools'

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
const upScript = readFileSync(join(REPO_ROOT, 'scripts', 'cluster', 'up.sh'), 'utf8')

describe('kind cluster', () => {
  it('has one control plane and two workers, on the node image of versions.env only', () => {
    assert.deepEqual(
      config.nodes.map((n) => n.role),
      ['control-plane', 'worker', 'worker'],
    )
    // One pin: the config names no image, cluster-up passes KIND_NODE_IMAGE.
    for (const node of config.nodes) assert.equal(node.image, undefined, node.role)
    const create = upScript
      .split('\n')
      .filter((line) => !/^\s*#/.test(line) && /\bkind create cluster\b/.test(line))
    assert.equal(create.length, 1, create.join('\n'))
    assert.match(create[0]!, /--config kind-config\.yaml\b.*--image "\$KIND_NODE_IMAGE"/)
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
    // print_urls (lib.sh) writes the table a person reads after `make cluster-up`.
    const lib = readFileSync(join(REPO_ROOT, 'scripts', 'cluster', 'lib.sh'), 'utf8')
    const printed = Object.fromEntries(
      [
        ...lib.matchAll(
          /^\s+(?:\[.*\] \|\| )?echo "\s+(shop|Grafana|Jaeger UI|Prometheus|Alertmanager)\s+http:\/\/localhost:(\d+)/gm,
        ),
      ].map((m) => [m[1], Number(m[2])]),
    )
    const hostPort = (nodePort: number) =>
      config.nodes[0]!.extraPortMappings!.find((m) => m.containerPort === nodePort)?.hostPort
    assert.deepEqual(printed, {
      shop: hostPort(NODE_PORTS.shop),
      Grafana: hostPort(NODE_PORTS.grafana),
      'Jaeger UI': hostPort(NODE_PORTS.jaeger),
      Prometheus: hostPort(NODE_PORTS.prometheus),
      Alertmanager: hostPort(NODE_PORTS.alertmanager),
    })
    // In-box the logs UI is VictoriaLogs' own (LOGS_BACKEND=victorialogs), on its mapped port.
    const logsUi = /^\s+echo "\s+logs UI\s+http:\/\/localhost:(\d+)\/select\/vmui\/ /m.exec(lib)
    assert.equal(Number(logsUi?.[1]), hostPort(NODE_PORTS.victoriaLogs), 'no VictoriaLogs UI URL')
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

  it('cluster-up checks its prerequisites first and names every missing tool', () => {
    // A PATH with nothing but `dirname` (and up.sh's .tools/bin): no docker, so kind's engine is
    // podman, whose tools are "missing": the script stops before touching podman or a cluster.
    const bin = mkdtempSync(join(tmpdir(), 'shopscope-path-'))
    symlinkSync(run('bash', ['-c', 'command -v dirname']).stdout.trim(), join(bin, 'dirname'))
    const result = spawnSync('/bin/bash', [join(REPO_ROOT, 'scripts', 'cluster', 'up.sh')], {
      encoding: 'utf8',
      env: { PATH: bin, HOME: bin },
    })
    assert.equal(result.status, 1)
    assert.match(result.stdout, /Checking prerequisites/)
    // up.sh puts .tools/bin first on its PATH: what is installed there is found, everything else
    // is missing. Without Docker, kind, kubectl and helm are built by make: not prerequisites.
    const missing = ['podman', 'buildah', 'go', 'make', 'node', 'npx'].filter(
      (tool) => !existsSync(join(REPO_ROOT, '.tools', 'bin', tool)),
    )
    assert.match(result.stderr, new RegExp(`missing tools: ${missing.join(' ')} \\(`))
  })

  it('scripts/cluster/*.sh parse (bash -n)', () => {
    const dir = join(REPO_ROOT, 'scripts', 'cluster')
    for (const script of readdirSync(dir).filter((f) => f.endsWith('.sh'))) {
      const result = run('bash', ['-n', join(dir, script)])
      assert.equal(result.status, 0, `${script}: ${result.stderr}`)
    }
  })
})

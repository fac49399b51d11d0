// After `make cluster-down` (make test-cluster-ci runs this file last): nothing of the kind
// cluster is left on this machine — no node container, podman network, bridge, veth, NETAVARK
// chain, mount, network namespace, libpod cgroup, podman CNI conflist or run state. The node image
// may stay in podman's storage under ~/.cache (the next cluster-up starts from it). Checked here
// from the host's own views, not with the list cluster.sh prints.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { CLUSTER, nodeEngine } from './kube'
import { run } from '../../dev/cluster/run'

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '')

/** Directories under `dir` (depth-first, at most `depth` levels) whose name matches. */
function findDirs(dir: string, name: RegExp, depth: number): string[] {
  if (depth < 0 || !existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const path = join(dir, e.name)
      return name.test(e.name) ? [path] : findDirs(path, name, depth - 1)
    })
}

describe('make cluster-down', { concurrency: false }, () => {
  // First, before any podman command of this file makes podman's run state again.
  it('leaves no podman run state', () => {
    assert.ok(!existsSync('/run/shopscope-podman'), '/run/shopscope-podman')
  })

  it('leaves no node container, network or volume of the engine', async () => {
    const containers = await nodeEngine(['ps', '-a', '--format', '{{.Names}}'])
    assert.equal(containers.code, 0, containers.stderr)
    assert.deepEqual(
      lines(containers.stdout).filter((n) => n.startsWith(`${CLUSTER}-`)),
      [],
      'node containers',
    )
    const networks = await nodeEngine(['network', 'ls', '--format', '{{.Name}}'])
    assert.ok(!lines(networks.stdout).includes('kind'), `kind's network: ${networks.stdout}`)
    const volumes = await nodeEngine(['volume', 'ls', '--format', '{{.Name}}'])
    const ourVolumes = lines(volumes.stdout).filter(
      (v) => v.startsWith(`${CLUSTER}-`) || /^[0-9a-f]{64}$/.test(v),
    )
    assert.deepEqual(ourVolumes, [], 'volumes of the nodes')
  })

  it('leaves no bridge, veth, network namespace or NETAVARK chain', async () => {
    const links = await run('ip', ['-br', 'link', 'show'], process.env)
    const ours = lines(links.stdout)
      .map((l) => l.split(/\s+/)[0]!.replace(/@.*/, ''))
      .filter((name) => /^(podman\d|veth|cni0|flannel)/.test(name))
    assert.deepEqual(ours, [], 'links of the nodes')
    const netns = await run('ip', ['netns', 'list'], process.env)
    assert.deepEqual(lines(netns.stdout), [], 'network namespaces')
    const rules = await run('iptables-save', [], process.env)
    assert.equal(rules.code, 0, rules.stderr)
    const chains = lines(rules.stdout).filter((l) => /NETAVARK|podman/i.test(l))
    assert.deepEqual(chains, [], 'iptables chains and rules of netavark')
  })

  it('leaves no mount, cgroup or CNI conflist', () => {
    const mounts = lines(readFileSync('/proc/self/mounts', 'utf8'))
      .map((l) => l.split(' ')[1]!)
      .filter((m) => /kind-podman|shopscope-podman|^\/run\/netns/.test(m))
    assert.deepEqual(mounts, [], 'mounts')
    assert.deepEqual(findDirs('/sys/fs/cgroup', /^libpod/, 3), [], 'libpod cgroups')
    const conflists = existsSync('/etc/cni/net.d')
      ? readdirSync('/etc/cni/net.d').filter((f) => /podman|kind/.test(f))
      : []
    assert.deepEqual(conflists, [], 'CNI conflists in /etc/cni/net.d')
  })
})

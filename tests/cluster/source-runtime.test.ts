// The node's container runtime (scripts/cluster/source/containerd.sh): Debian's containerd with a
// run directory, bridge and pod subnet of this test's own (a containerd of `make containerd-up`
// is left alone), driven through the CRI with crictl as the kubelet would: a pod sandbox on the
// pause stand-in, a busybox stand-in container that logs a line, a pod IP on the bridge, a
// hostPort through portmap. `stop` must leave nothing behind: no bridge, no CNI iptables chain,
// no mount under the run directory, no process. Root only; not part of `make test`.
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pinned, readVersions } from '../../cdk8s/src/versions'
import { freePort } from '../harness'
import { eventually } from '../local/eventually'
import { processesUsing, mountsUnder } from './host'
import { run } from './run'
import { archiveStem } from './standin-archives'

const ROOT = join(__dirname, '..', '..')
const SCRIPT = join(ROOT, 'scripts', 'cluster', 'source', 'containerd.sh')
const VERSIONS = readVersions(join(ROOT, 'versions.env'))
const CACHE = process.env.SHOPSCOPE_CACHE ?? join(homedir(), '.cache', 'shopscope')
const CRICTL = join(CACHE, `crictl-${pinned(VERSIONS, 'CRICTL_VERSION')}`, 'bin', 'crictl')
const STANDINS = join(CACHE, 'standins')
const PAUSE_ARCHIVE = `${archiveStem(VERSIONS, 'pause', 'PAUSE_IMAGE')}.tar`
const BUSYBOX_ARCHIVE = `${archiveStem(VERSIONS, 'busybox', 'BUSYBOX_IMAGE')}.tar`
const BRIDGE = 'shopscopet0'
const SUBNET_PREFIX = '10.244.250.'

async function ok(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = await run(command, args, env)
  assert.equal(r.code, 0, `${command} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`)
  return r.stdout.trim()
}

const cniChains = async () =>
  (await ok('iptables-save', [], process.env))
    .split('\n')
    .filter((l) => l.startsWith(':CNI-'))
    .map((l) => l.slice(1, l.indexOf(' ')))
    .sort()

describe(
  'containerd of the source-built node',
  { skip: process.getuid?.() !== 0 && 'needs root' },
  () => {
    mkdirSync(join(ROOT, '.run'), { recursive: true })
    const runDir = mkdtempSync(join(ROOT, '.run', 'runtime-test-'))
    const sock = `unix://${join(runDir, 'containerd', 'containerd.sock')}`
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CLUSTER_RUN_DIR: runDir,
      CONTAINERD_BRIDGE: BRIDGE,
      CONTAINERD_POD_SUBNET: `${SUBNET_PREFIX}0/24`,
    }
    const crictl = (args: string[]) =>
      ok(
        CRICTL,
        ['--runtime-endpoint', sock, '--image-endpoint', sock, '--timeout', '60s', ...args],
        env,
      )
    let chainsBefore: string[] = []
    let hostPort = 0
    let passed = 0

    before(async () => {
      assert.ok(existsSync(CRICTL), `missing ${CRICTL} (build it: make cluster-source-build)`)
      for (const f of [PAUSE_ARCHIVE, BUSYBOX_ARCHIVE]) {
        assert.ok(
          existsSync(join(STANDINS, f)),
          `missing ${join(STANDINS, f)} (build it: make standins)`,
        )
      }
      chainsBefore = await cniChains()
      hostPort = await freePort()
    })

    after(async () => {
      await run(SCRIPT, ['stop'], env)
      if (passed < 4) console.log(`runtime test: logs kept in ${runDir}`)
      else rmSync(runDir, { recursive: true, force: true })
    })

    it('starts containerd and imports the stand-ins into k8s.io', async () => {
      await ok(SCRIPT, ['start'], env)
      await ok(SCRIPT, ['status'], env)
      const images = await crictl(['images', '-o', 'json'])
      for (const name of [pinned(VERSIONS, 'PAUSE_IMAGE'), pinned(VERSIONS, 'BUSYBOX_IMAGE')]) {
        assert.ok(images.includes(`"${name}"`), `${name} in the CRI image list`)
      }
      passed++
    })

    it('a second start keeps containerd and imports only the archives written since', async () => {
      const now = new Date()
      utimesSync(join(STANDINS, BUSYBOX_ARCHIVE), now, now)
      const again = await ok(SCRIPT, ['start'], env)
      assert.match(again, /already running/)
      assert.ok(again.includes(`imported ${BUSYBOX_ARCHIVE}`), again)
      assert.ok(!again.includes(`imported ${PAUSE_ARCHIVE}`), again)
      passed++
    })

    it('runs a pod: the busybox container logs, the pod has an IP on the bridge, its hostPort answers', async () => {
      const logDir = join(runDir, 'pod-logs')
      const podConfig = join(runDir, 'pod.json')
      const containerConfig = join(runDir, 'container.json')
      writeFileSync(
        podConfig,
        JSON.stringify({
          metadata: { name: 'probe', namespace: 'default', uid: 'runtime-test-probe', attempt: 0 },
          port_mappings: [{ protocol: 0, container_port: 8080, host_port: hostPort }],
          log_directory: logDir,
          linux: {},
        }),
      )
      writeFileSync(
        containerConfig,
        JSON.stringify({
          metadata: { name: 'hello' },
          image: { image: pinned(VERSIONS, 'BUSYBOX_IMAGE') },
          command: [
            'sh',
            '-c',
            'echo hello-from-busybox; mkdir -p /tmp/w; echo served-by-pod >/tmp/w/index.html; exec httpd -f -p 8080 -h /tmp/w',
          ],
          log_path: 'hello.log',
          linux: {},
        }),
      )
      const pod = await crictl(['runp', podConfig])
      const container = await crictl(['create', pod, containerConfig, podConfig])
      await crictl(['start', container])
      await eventually('the container logs its line', async () =>
        (await crictl(['logs', container])).includes('hello-from-busybox'),
      )
      const status = JSON.parse(await crictl(['inspectp', pod])) as {
        status: { network: { ip: string } }
      }
      const ip = status.status.network.ip
      assert.ok(ip.startsWith(SUBNET_PREFIX), `pod IP ${ip} in ${SUBNET_PREFIX}0/24`)
      const link = await ok('ip', ['-o', '-4', 'addr', 'show', BRIDGE], env)
      assert.match(link, new RegExp(`inet ${SUBNET_PREFIX.replace(/\./g, '\\.')}1/24`))
      const hostIp = (await ok('ip', ['-o', 'route', 'get', '1.1.1.1'], env)).match(
        /src (\S+)/,
      )?.[1]
      assert.ok(hostIp, 'a host address for the hostPort')
      await eventually('the hostPort answers', async () => {
        const r = await run('curl', ['-s', '--max-time', '3', `http://${hostIp}:${hostPort}/`], env)
        return r.stdout.includes('served-by-pod')
      })
      await crictl(['stop', container])
      await crictl(['rm', container])
      await crictl(['stopp', pod])
      await crictl(['rmp', pod])
      assert.equal(await crictl(['pods', '-q']), '')
      passed++
    })

    it('stop removes its pods, the bridge, the CNI chains and the mounts, and ends every process', async () => {
      // A pod left running for stop to remove
      const podConfig = join(runDir, 'pod.json')
      const pod = await crictl(['runp', podConfig])
      assert.ok(pod)
      assert.ok(
        mountsUnder(runDir).length > 0,
        'the running pod has mounts under the run directory',
      )
      await ok(SCRIPT, ['stop'], env)
      assert.notEqual((await run('ip', ['link', 'show', BRIDGE], env)).code, 0, `${BRIDGE} removed`)
      assert.deepEqual(await cniChains(), chainsBefore, 'CNI iptables chains as before start')
      assert.deepEqual(mountsUnder(runDir), [], 'no mount under the run directory')
      await eventually(
        'no process of the run directory',
        async () => processesUsing(runDir).length === 0,
      )
      assert.notEqual((await run(SCRIPT, ['status'], env)).code, 0, 'status reports stopped')
      passed++
    })
  },
)

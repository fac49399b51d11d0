// `cluster up`: kind's cluster of kind-config.yaml (one control plane, two workers), the images
// onto its nodes the way kind does it, then deploy.ts. Two engines (kind.ts decides):
//   docker  kind's own node image KIND_NODE_IMAGE and CNI; the nodes pull the upstream images.
//   podman  (root; no Docker daemon, no registry) the node image of the same Kubernetes assembled
//           here, the add-ons of cdk8s/dist/kind-addons (flannel, kube-network-policies), the
//           stand-ins of the upstream images loaded as archives, the in-box overlay.
// What it needs is built by make beforehand (cluster-up's recipe): this never calls make.
// Idempotent: an existing healthy cluster is reused, an archive already loaded is not loaded again.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, delimiter, join } from 'node:path'
import { REPO_ROOT, SERVICE_NAMES, cacheDir, pinned, readVersions } from '@shopscope/system'
import { parse } from 'yaml'
import { deploy } from './deploy'
import { CLUSTER, type Engine, engine } from './kind'
import { kubectl, kubectlPatch, kubectlShow } from './kube'
import { runInherit, runOk } from './run'
import { announce, say } from './steps'

export const RUN_DIR = join(REPO_ROOT, '.run', 'cluster')
const KIND_SCRIPTS = join(REPO_ROOT, 'scripts', 'cluster', 'kind')
const onPath = (tool: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)))

async function checkPrerequisites(which: Engine) {
  const needed =
    which === 'docker'
      ? ['docker', 'kind', 'kubectl', 'helm']
      : ['podman', 'buildah', 'kind', 'helm']
  const missing: string[] = []
  for (const tool of needed) if (!onPath(tool)) missing.push(tool)
  if (missing.length > 0) {
    const hint =
      which === 'docker'
        ? `helm, kind: make tool-helm tool-kind; kubectl ${pinned(readVersions(), 'KUBERNETES_VERSION')}`
        : 'podman, buildah: scripts/install-system-deps.sh kind; make cluster-up builds the rest'
    throw new Error(`missing tools: ${missing.join(' ')} (${hint})`)
  }
  if (which === 'podman' && process.getuid?.() !== 0)
    throw new Error('kind on podman runs as root here (no Docker daemon answers)')
  say(`${needed.join(' ')}: ok`)
  // KIND_NODE_IMAGE is an image built for KIND_VERSION: another kind may not boot it.
  const installed = (await runOk('kind', ['version'])).split(/\s+/)[1]
  const wanted = pinned(readVersions(), 'KIND_VERSION')
  if (installed !== wanted)
    console.warn(
      `warning: kind ${installed}, not ${wanted}, the release KIND_NODE_IMAGE is built for`,
    )
}

async function createCluster(which: Engine) {
  if (which === 'podman') {
    await runInherit(join(KIND_SCRIPTS, 'cluster.sh'), ['up'])
    announce('Pod network, NetworkPolicies, storage (cdk8s/dist/kind-addons)')
    await runInherit(join(KIND_SCRIPTS, 'addons.sh'), ['up'])
  } else if ((await runOk('kind', ['get', 'clusters'])).split('\n').includes(CLUSTER)) {
    say('exists: reusing it')
  } else {
    const image = pinned(readVersions(), 'KIND_NODE_IMAGE')
    await runInherit('kind', [
      'create',
      'cluster',
      '--config',
      join(REPO_ROOT, 'kind-config.yaml'),
      '--image',
      image,
      '--wait',
      '120s',
    ])
  }
}

/**
 * kubeadm's CoreDNS may put both replicas on one worker, and keeps them on a lost node for
 * Kubernetes' default 300 s: losing that worker would take every name lookup with it. One replica
 * per node, and off a lost node as fast as the shop's pods (the chart's
 * nodeFailureTolerationSeconds). Its own tolerations are kept: the list is replaced.
 */
async function spreadCoreDns() {
  const values = parse(readFileSync(join(REPO_ROOT, 'charts', 'shopscope', 'values.yaml'), 'utf8'))
  const seconds = values.nodeFailureTolerationSeconds as number
  const lostNode = (reason: string) => ({
    key: `node.kubernetes.io/${reason}`,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: seconds,
  })
  const patch = {
    spec: {
      template: {
        spec: {
          tolerations: [
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
            lostNode('not-ready'),
            lostNode('unreachable'),
          ],
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'DoNotSchedule',
              matchLabelKeys: ['pod-template-hash'],
              labelSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
        },
      },
    },
  }
  say(await kubectlPatch('kube-system', 'deployment/coredns', 'strategic', patch))
  await kubectlShow(
    '-n',
    'kube-system',
    'rollout',
    'status',
    'deployment',
    'coredns',
    '--timeout',
    '180s',
  )
  say(await kubectl('-n', 'kube-system', 'get', 'pods', '-l', 'k8s-app=kube-dns', '-o', 'wide'))
}

/** The shop's images in the cluster: `<repository>/<service>:<tag>` of kind-values.yaml. */
function clusterImages(): { local: string; cluster: string }[] {
  const values = parse(
    readFileSync(join(REPO_ROOT, 'charts', 'shopscope', 'ci', 'kind-values.yaml'), 'utf8'),
  )
  const { repository, tag } = values.image as { repository: string; tag: string }
  const instrumentation = parse(
    readFileSync(join(REPO_ROOT, 'operator-config', 'instrumentation.yaml'), 'utf8'),
  )
  return [
    ...SERVICE_NAMES.map((name) => ({
      local: `localhost/shopscope/${name}:local`,
      cluster: `${repository}/${name}:${tag}`,
    })),
    {
      local: 'localhost/shopscope/autoinstrumentation-nodejs:local',
      cluster: instrumentation.spec.nodejs.image as string,
    },
  ]
}

/**
 * The host's buildah (make images, make standins) keeps its own storage, not the podman storage
 * of kind's nodes (scripts/cluster/kind/env.sh): without this, the images were built again.
 */
const HOST_BUILDAH_ENV = (() => {
  const env = { ...process.env }
  delete env.CONTAINERS_CONF
  delete env.CONTAINERS_STORAGE_CONF
  return env
})()

/**
 * An OCI archive of a buildah image, named after the image's ID so that an unchanged image is
 * not loaded again. Short names are docker.io's, as the kubelet resolves them.
 */
async function archive(image: { local: string; cluster: string }): Promise<string> {
  const id = (
    await runOk(
      'buildah',
      ['inspect', '--format', '{{.FromImageID}}', image.local],
      HOST_BUILDAH_ENV,
    )
  )
    .trim()
    .slice(0, 12)
  const name = basename(image.cluster.replace(/[:@].*$/, ''))
  const dir = join(RUN_DIR, 'images')
  const file = join(dir, `${name}-${id}.tar`)
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true })
    for (const old of readdirSync(dir).filter(
      (f) => f.startsWith(`${name}-`) && f.endsWith('.tar'),
    ))
      rmSync(join(dir, old))
    const reference =
      image.cluster.includes('/') && image.cluster.split('/')[0]!.includes('.')
        ? image.cluster
        : `docker.io/${image.cluster}`
    await runOk(
      'buildah',
      ['push', '--quiet', image.local, `oci-archive:${file}:${reference}`],
      HOST_BUILDAH_ENV,
    )
  }
  return file
}

async function loadImages(which: Engine) {
  const images = clusterImages()
  if (which === 'podman') {
    announce('Stand-ins of the upstream images (make standins) onto the nodes')
    const standins = join(cacheDir(), 'standins')
    const archives = readdirSync(standins)
      .filter((f) => f.endsWith('.tar'))
      .map((f) => join(standins, f))
    await runInherit(join(KIND_SCRIPTS, 'cluster.sh'), ['load', ...archives])
    announce('The service images and the auto-instrumentation image (make images) onto the nodes')
    const built: string[] = []
    for (const image of images) built.push(await archive(image))
    await runInherit(join(KIND_SCRIPTS, 'cluster.sh'), ['load', ...built])
    return
  }
  announce('Building the service images and the auto-instrumentation image')
  const versions = readVersions()
  const arg = (key: string) => ['--build-arg', `${key}=${pinned(versions, key)}`]
  for (const [i, image] of images.entries()) {
    const service = SERVICE_NAMES[i]
    const args = service
      ? [
          '-f',
          `services/${service}/Dockerfile`,
          '--build-arg',
          `SERVICE=${service}`,
          ...arg('NODE_IMAGE'),
        ]
      : [
          '-f',
          'services/Dockerfile',
          '--target',
          'autoinstrumentation',
          ...arg('NODE_IMAGE'),
          ...arg('BUSYBOX_IMAGE'),
        ]
    await runInherit('docker', ['build', '-q', ...args, '-t', image.cluster, REPO_ROOT])
  }
  announce('Loading the images into the nodes')
  for (const image of images)
    await runInherit('kind', ['load', 'docker-image', '--name', CLUSTER, image.cluster])
}

export async function up(env = process.env): Promise<void> {
  const started = Date.now()
  const which = engine(env)
  announce(`Checking prerequisites (${which})`)
  await checkPrerequisites(which)
  mkdirSync(RUN_DIR, { recursive: true })
  announce(`Kind cluster ${CLUSTER} (1 control plane, 2 workers)`)
  await createCluster(which)
  announce("CoreDNS: one replica per node, off a lost node like the shop's pods")
  await spreadCoreDns()
  await loadImages(which)
  await deploy(env)
  const seconds = Math.round((Date.now() - started) / 1000)
  writeFileSync(join(RUN_DIR, 'bring-up-seconds'), `${seconds}\n`)
  say(`bring-up: ${seconds} s (cluster, images, deploy)`)
}

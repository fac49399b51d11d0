/**
 * The offline stand-ins of the upstream images (scripts/images/standins/build.sh, `make standins`):
 * each is in buildah's storage under exactly the name the rendered charts and versions.env
 * reference, its entrypoint reports the pinned release, and it runs as the user the upstream image
 * runs as. A stand-in that is not built is a failure naming the fix. `make test-standins`.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { NAMESPACES } from '../../cdk8s/src/names'
import {
  type K8sObject,
  VERSIONS,
  parseObjects,
  readObjects,
  synthPlatform,
} from '../platform/lib/render'
import { ROOT } from '../platform/lib/tools'
import { chartPath, operatorValuesArgs, templateUpstream } from '../platform/lib/upstream-charts'

const BUILD = join(ROOT, 'scripts', 'images', 'standins', 'build.sh')
const pin = (key: string): string => {
  const value = VERSIONS[key]
  if (!value) throw new Error(`versions.env: ${key} is not pinned`)
  return value
}
const bare = (version: string) => version.replace(/^v/, '')

const rendered = (release: string, chart: string, namespace: string, args: string[]) => {
  const result = templateUpstream(release, chart, namespace, args)
  assert.equal(result.status, 0, result.stderr)
  return parseObjects(result.stdout)
}
const one = (objects: K8sObject[], kind: string, name: RegExp): K8sObject => {
  const found = objects.filter((o) => o.kind === kind && name.test(o.metadata.name))
  assert.equal(found.length, 1, `${kind} ${name}: ${found.map((o) => o.metadata.name)}`)
  return found[0]!
}
const firstImage = (workload: K8sObject): string =>
  (workload.spec.template.spec.containers as { image: string }[])[0]!.image

/** The MySQL StatefulSets of the synthesized platform: one image, one runAsUser. */
function mysqlWorkloads(objects: K8sObject[]): { image: string; runAsUser: number } {
  const sets = objects.filter(
    (o) => o.kind === 'StatefulSet' && o.metadata.labels?.['app.kubernetes.io/name'] === 'mysql',
  )
  assert.ok(sets.length > 0, 'no MySQL StatefulSet synthesized')
  const images = new Set(sets.map(firstImage))
  const users = new Set(sets.map((o) => o.spec.template.spec.securityContext?.runAsUser as number))
  assert.equal(images.size, 1, [...images].join(' '))
  assert.equal(users.size, 1, [...users].join(' '))
  return { image: [...images][0]!, runAsUser: [...users][0]! }
}

let mysql: { image: string; runAsUser: number } | undefined

/** The image names the charts render with our values, and the ones versions.env names. */
function referencedImages(): Record<string, string> {
  const synth = synthPlatform()
  mysql = mysqlWorkloads(readObjects(synth.files))
  const valuesFile = join(synth.dir, 'kube-prometheus-stack-values.yaml')
  const kps = rendered(
    'kps',
    chartPath('kube-prometheus-stack', pin('KUBE_PROMETHEUS_STACK_CHART_VERSION')),
    NAMESPACES.observability,
    ['--values', valuesFile],
  )
  const otel = rendered(
    'opentelemetry-operator',
    chartPath('opentelemetry-operator', pin('OTEL_OPERATOR_CHART_VERSION')),
    'opentelemetry-operator-system',
    operatorValuesArgs(),
  )
  const operator = one(kps, 'Deployment', /-operator$/)
  const reloaderArg = (operator.spec.template.spec.containers[0].args as string[]).find((a) =>
    a.startsWith('--prometheus-config-reloader='),
  )
  return {
    prometheus: one(kps, 'Prometheus', /./).spec.image,
    alertmanager: one(kps, 'Alertmanager', /./).spec.image,
    'prometheus-operator': firstImage(operator),
    'prometheus-config-reloader': reloaderArg?.split('=')[1] ?? 'no --prometheus-config-reloader',
    'kube-state-metrics': firstImage(one(kps, 'Deployment', /kube-state-metrics$/)),
    'node-exporter': firstImage(one(kps, 'DaemonSet', /node-exporter$/)),
    'opentelemetry-operator': firstImage(one(otel, 'Deployment', /opentelemetry-operator$/)),
    busybox: pin('BUSYBOX_IMAGE'),
    pause: pin('PAUSE_IMAGE'),
    coredns: pin('COREDNS_IMAGE'),
    mysql: mysql.image,
  }
}

interface StandIn {
  /** The version flag of the entrypoint and what its output must contain. */
  args: string[]
  reports: RegExp
  /** Run the entrypoint's first element only (its fixed arguments left out). */
  binaryOnly?: boolean
  /** USER of the upstream image's Dockerfile ('' = root, as upstream). */
  user: string
  /** Further checks, in a container of the image. */
  more?: (image: string, cfg: Config, run: (command: string[]) => string) => void
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const STANDINS: Record<string, StandIn> = {
  prometheus: {
    args: ['--version'],
    reports: new RegExp(`^prometheus, version ${escape(bare(pin('PROMETHEUS_VERSION')))} `, 'm'),
    user: '65532:65532',
  },
  alertmanager: {
    args: ['--version'],
    reports: new RegExp(
      `^alertmanager, version ${escape(bare(pin('ALERTMANAGER_VERSION')))} `,
      'm',
    ),
    user: 'nobody',
  },
  'node-exporter': {
    args: ['--version'],
    reports: new RegExp(
      `^node_exporter, version ${escape(bare(pin('NODE_EXPORTER_VERSION')))} `,
      'm',
    ),
    user: '65532:65532',
  },
  // A subcommand, which takes none of the entrypoint's flags: run the entrypoint's binary alone.
  'kube-state-metrics': {
    args: ['version'],
    binaryOnly: true,
    reports: new RegExp(`version ${escape(pin('KUBE_STATE_METRICS_VERSION'))}\\b`),
    user: 'nobody',
  },
  'prometheus-operator': {
    args: ['--version'],
    reports: new RegExp(`version ${escape(bare(pin('PROMETHEUS_OPERATOR_VERSION')))} `),
    user: '65534',
  },
  'prometheus-config-reloader': {
    args: ['--version'],
    reports: new RegExp(`version ${escape(bare(pin('PROMETHEUS_OPERATOR_VERSION')))} `),
    user: 'nobody',
  },
  // No version flag: the manager logs its version first, then stops without a cluster to reach.
  'opentelemetry-operator': {
    args: [],
    reports: new RegExp(
      `"opentelemetry-operator":\\s*"${escape(bare(pin('OTEL_OPERATOR_VERSION')))}"`,
    ),
    user: '65532:65532',
  },
  coredns: {
    args: ['-version'],
    reports: new RegExp(`^CoreDNS-${escape(bare(pin('COREDNS_IMAGE').split(':').pop()!))}$`, 'm'),
    user: 'nonroot:nonroot',
  },
  pause: {
    args: ['-v'],
    reports: new RegExp(`^pause\\.c ${escape(pin('PAUSE_IMAGE').split(':').pop()!)}$`, 'm'),
    user: '65535:65535',
  },
  // MariaDB, not MySQL: the entrypoint passes --version to the server, which names MariaDB. The
  // entrypoint starts as root and runs the server as mysql, the uid the StatefulSet runs as.
  mysql: {
    args: ['mysqld', '--version'],
    reports: /^mysqld\s+Ver \S+-MariaDB/m,
    user: '',
    more: (image, cfg, run) => {
      assert.equal(cfg.Labels?.['io.shopscope.standin.for'], image)
      assert.deepEqual(cfg.Entrypoint, ['docker-entrypoint.sh'])
      assert.deepEqual(cfg.Cmd, ['mysqld'])
      assert.equal(run(['id', '-u', 'mysql']).trim(), String(mysql!.runAsUser))
      // The StatefulSet's probe and arguments: mysqladmin present, the options known.
      assert.match(run(['mysqladmin', '--version']), /MariaDB/)
      const check = run([
        'mysqld',
        '--verbose',
        '--help',
        '--innodb-buffer-pool-size=64M',
        '--performance-schema=OFF',
      ])
      assert.doesNotMatch(check, /\[ERROR\]|unknown (variable|option)/i)
      assert.match(check, /^bind-address\s+\*$/m)
    },
  },
  busybox: {
    args: ['busybox'],
    reports: new RegExp(`^BusyBox v${escape(pin('BUSYBOX_IMAGE').split(':').pop()!)} `, 'm'),
    user: '',
  },
}

const buildah = (args: string[]) =>
  spawnSync('buildah', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })

interface Config {
  User?: string
  Entrypoint?: string[]
  Cmd?: string[]
  Labels?: Record<string, string>
}
function config(image: string): Config {
  const inspected = buildah(['inspect', '--type', 'image', image])
  assert.equal(
    inspected.status,
    0,
    `${image} is not built: run \`make standins\` (scripts/images/standins/build.sh)`,
  )
  return (JSON.parse(inspected.stdout) as { OCIv1: { config: Config } }).OCIv1.config
}

/**
 * The entrypoint with `args`, as the image's user, in a throwaway container (stdout + stderr),
 * then `more` with a runner of other commands in the same container.
 */
function runEntrypoint(image: string, cfg: Config, standIn: StandIn): string {
  const from = buildah(['from', '--quiet', '--pull-never', image])
  assert.equal(from.status, 0, from.stderr)
  const id = from.stdout.trim()
  const user = cfg.User ? ['--user', cfg.User] : []
  const run = (command: string[]) => {
    const result = buildah(['run', '--isolation', 'chroot', ...user, id, '--', ...command])
    return `${result.stdout}${result.stderr}`
  }
  try {
    const entrypoint = standIn.binaryOnly ? cfg.Entrypoint?.slice(0, 1) : cfg.Entrypoint
    const command = [...(entrypoint ?? []), ...standIn.args]
    const output = run(command)
    assert.match(output, standIn.reports, `${image} ${command.join(' ')}:\n${output}`)
    standIn.more?.(image, cfg, run)
    return output
  } finally {
    buildah(['rm', id])
  }
}

describe('stand-ins of the upstream images', () => {
  const images = referencedImages()
  const listed = Object.fromEntries(
    execFileSync(BUILD, ['list'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string]),
  )

  it('build.sh builds exactly the names the charts and versions.env reference', () => {
    assert.deepEqual(listed, images)
    assert.deepEqual(Object.keys(STANDINS).sort(), Object.keys(images).sort())
  })

  for (const [name, standIn] of Object.entries(STANDINS)) {
    it(`${name}: tagged as referenced, reports the pinned release, runs as upstream's user`, () => {
      const image = images[name]!
      const cfg = config(image)
      assert.equal(cfg.User ?? '', standIn.user, `${image}: USER`)
      if (standIn.user !== '') assert.doesNotMatch(standIn.user, /^(0|root)(:|$)/)
      runEntrypoint(image, cfg, standIn)
    })
  }
})

/**
 * The offline stand-ins of the upstream images (scripts/images/standins/build.sh, `make standins`):
 * each is in buildah's storage under exactly the name the rendered charts and versions.env
 * reference, its entrypoint reports the pinned release, and it runs as the user the upstream image
 * runs as. Every image the platform references is a stand-in, ours, or an exception named with its
 * reason. A stand-in that is not built is a failure naming the fix. `make test-standins`.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@shopscope/system'
import { stringify } from 'yaml'
import { ciValuesFiles, helmTemplate, parseObjects } from '../../dev/cluster/render'
import {
  bare,
  BUILD,
  buildah,
  Config,
  config,
  containers,
  corefileDirectives,
  envOptions,
  escape,
  inBoxPlatform,
  mountable,
  mysql,
  one,
  pin,
  platform,
  referencedImages,
  Runner,
  upstream,
} from './standins/lib'
import { certgenAgainstFakeApiServer } from './standins/certgen'

interface StandIn {
  /** The version flag of the entrypoint and what its output must contain. */
  args: string[]
  reports: RegExp
  /** More that the same output must contain. */
  alsoReports?: RegExp[]
  /** Run the entrypoint's first element only (its fixed arguments left out). */
  binaryOnly?: boolean
  /** USER of the upstream image's Dockerfile ('' = root, as upstream). */
  user: string
  /** Further checks, in a container of the image (`options`: more `buildah run` options). */
  more?: (image: string, cfg: Config, run: Runner) => void
}

const STANDINS: Record<string, StandIn> = {
  // Service discovery: Kubernetes (prometheus-operator's configs) kept, the cloud SDs built out.
  prometheus: {
    args: ['--version'],
    reports: new RegExp(`^prometheus, version ${escape(bare(pin('PROMETHEUS_VERSION')))} `, 'm'),
    user: '65532:65532',
    more: (_image, _cfg, run) => {
      const sd = (kind: string) => {
        const job = {
          job_name: 'sd',
          [`${kind}_sd_configs`]: [
            kind === 'kubernetes' ? { role: 'pod' } : { region: 'eu-west-1' },
          ],
        }
        const dir = mountable(`prometheus-${kind}`, {
          'prometheus.yml': stringify({ scrape_configs: [job] }),
        })
        return run(
          ['/bin/promtool', 'check', 'config', '/conf/prometheus.yml'],
          ['--volume', `${dir}:/conf:ro`],
        )
      }
      assert.doesNotMatch(sd('kubernetes'), /\[exit status/)
      assert.match(sd('ec2'), /ec2_sd_configs[\s\S]*\[exit status [1-9]/)
    },
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
    // Its Makefile's ldflags from versions.txt: without them the default operand tags are empty.
    alsoReports: [
      new RegExp(`"collector-image":"[^"]+:${escape(bare(pin('OTEL_OPERATOR_VERSION')))}"`),
      /"auto-instrumentation-node-js-image":"[^"]+:\d+\.\d+\.\d+"/,
    ],
    user: '65532:65532',
  },
  // Built with the plugins of kubeadm's default Corefile (build.sh) and the ones those
  // import (metadata, transfer, ...); the cloud and tracing plugins left out.
  coredns: {
    args: ['-version'],
    reports: new RegExp(`^CoreDNS-${escape(bare(pin('COREDNS_IMAGE').split(':').pop()!))}$`, 'm'),
    user: 'nonroot:nonroot',
    more: (_image, _cfg, run) => {
      const plugins = run(['/coredns', '-plugins'])
        .split('\n')
        .map((line) => line.trim())
      const missing = corefileDirectives().filter((d) => !plugins.includes(d))
      assert.deepEqual(missing, [], `plugins: ${plugins.join(' ')}`)
      const cloud = ['route53', 'azure', 'clouddns', 'trace'].filter((p) => plugins.includes(p))
      assert.deepEqual(cloud, [])
    },
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
      assert.equal(run(['id', '-u', 'mysql']).trim(), String(mysql().runAsUser))
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
  // The repo's own collector build (cdk8s/collector/builder-config.yaml), under the contrib name:
  // it reports its own distribution name, and runs the config of the synthesized CR.
  'opentelemetry-collector': {
    args: ['--version'],
    reports: new RegExp(`^otelcol-shopscope version ${escape(pin('OTELCOL_VERSION'))}$`, 'm'),
    user: '10001:10001',
    more: (image, cfg, run) => {
      assert.equal(image.split(':').pop(), pin('OTELCOL_VERSION'))
      assert.deepEqual(cfg.Entrypoint, ['/otelcol-contrib'])
      const failed = /\[exit status/
      const own = run(['/otelcol-contrib', 'validate', ...cfg.Cmd!])
      assert.doesNotMatch(own, failed, `its default config: ${own}`)
      const cr = one(platform().objects, 'OpenTelemetryCollector', /./)
      const dir = mountable('collector', { 'collector.yaml': stringify(cr.spec.config) })
      const options = ['--volume', `${dir}:/conf:ro`, ...envOptions(cr.spec.env)]
      const crConfig = run(
        ['/otelcol-contrib', 'validate', '--config=/conf/collector.yaml'],
        options,
      )
      assert.doesNotMatch(crConfig, failed, `the CR's config: ${crConfig}`)
      // And a config it cannot run is refused (the check above can fail).
      const typo = mountable('collector-typo', {
        'collector.yaml': stringify(cr.spec.config).replace('send_batch_size:', 'send_batch_sise:'),
      })
      const refused = run(
        ['/otelcol-contrib', 'validate', '--config=/conf/collector.yaml'],
        ['--volume', `${typo}:/conf:ro`, ...envOptions(cr.spec.env)],
      )
      assert.match(refused, /send_batch_sise[\s\S]*\[exit status [1-9]/)
    },
  },
  // Our own source (its module is not on the proxy): the chart's two Jobs, as the chart runs them,
  // against a fake API server: the Secret created once, its CA patched into both webhooks.
  'kube-webhook-certgen': {
    args: ['version'],
    reports: new RegExp(`^${escape(pin('KUBE_WEBHOOK_CERTGEN_IMAGE').split(':').pop()!)}$`, 'm'),
    user: '',
    more: (_image, cfg, run) => {
      assert.deepEqual(cfg.Entrypoint, ['/kube-webhook-certgen'])
      certgenAgainstFakeApiServer(run)
    },
  },
  // Jaeger v2 (2.x.y = module v1.(x+63).y): its version JSON, and the synthesized config accepted.
  jaeger: {
    args: ['version'],
    binaryOnly: true,
    reports: new RegExp(`"gitVersion":\\s*"v${escape(pin('JAEGER_IMAGE').split(':').pop()!)}"`),
    user: '10001',
    more: (_image, _cfg, run) => {
      const configMap = one(platform().objects, 'ConfigMap', /^jaeger$/)
      // Every file of its ConfigMap, as the Deployment mounts it (the UI config too).
      const dir = mountable('jaeger', configMap.data!)
      const jaeger = one(platform().objects, 'Deployment', /^jaeger$/)
      const args = containers(jaeger)[0]!.args!
      assert.deepEqual(args, ['--config=/etc/jaeger/config.yaml'])
      const output = run(
        ['/cmd/jaeger/jaeger-linux', 'validate', ...args],
        ['--volume', `${dir}:/etc/jaeger:ro`],
      )
      assert.doesNotMatch(output, /\[exit status/, output)
      const missing = run(
        ['/cmd/jaeger/jaeger-linux', 'validate', '--config=/etc/jaeger/none.yaml'],
        ['--volume', `${dir}:/etc/jaeger:ro`],
      )
      assert.match(missing, /\[exit status [1-9]/, missing)
      // Built without the contrib add-ons no config here uses (build.sh JAEGER_LEFT_OUT).
      const components = run(['/cmd/jaeger/jaeger-linux', 'components'])
      assert.match(components, /jaeger_storage_exporter/)
      assert.doesNotMatch(components, /kafka|zipkin|tail_sampling/)
    },
  },
  // Locust from PyPI on Debian's Python: the Job's user, and the scenario of the Job's ConfigMap
  // loaded (`--list` imports the locustfile and lists its user classes).
  locust: {
    args: ['--version'],
    reports: new RegExp(`^locust ${escape(pin('LOCUST_VERSION'))} `, 'm'),
    user: 'locust',
    more: (_image, cfg, run) => {
      assert.deepEqual(cfg.Entrypoint, ['locust'])
      const job = one(platform().objects, 'Job', /^shop-load$/)
      const pod = job.spec.template.spec
      assert.equal(run(['id', '-u', 'locust']).trim(), String(pod.securityContext.runAsUser))
      const script = one(platform().objects, 'ConfigMap', /^shop-load$/)
      const dir = mountable('locust', script.data!)
      const options = ['--volume', `${dir}:/scripts:ro`, ...envOptions(containers(job)[0]!.env)]
      const listed = run(['locust', '--locustfile', '/scripts/locustfile.py', '--list'], options)
      assert.doesNotMatch(listed, /\[exit status|Traceback/, listed)
      assert.match(listed, /^Available Users:/m, listed)
    },
  },
  // VictoriaLogs, Loki's stand-in in-box: the in-box StatefulSet's flags accepted (its flags are
  // parsed, values included, before -version answers), a misspelled one refused.
  victorialogs: {
    args: ['-version'],
    reports: new RegExp(
      `^victoria-logs-\\d{8}-\\d{6}-tags-${escape(pin('VICTORIALOGS_VERSION'))}$`,
      'm',
    ),
    user: '',
    more: (_image, cfg, run) => {
      assert.deepEqual(cfg.Entrypoint, ['/victoria-logs-prod'])
      const args = containers(one(inBoxPlatform(), 'StatefulSet', /^victoria-logs$/))[0]!.args!
      assert.ok(
        args.some((a) => a.startsWith('-retentionPeriod=')),
        args.join(' '),
      )
      const accepted = run(['/victoria-logs-prod', ...args, '-version'])
      assert.doesNotMatch(accepted, /\[exit status/, accepted)
      const typo = args.map((a) => a.replace('-retentionPeriod=', '-retentionPeriodd='))
      const refused = run(['/victoria-logs-prod', ...typo, '-version'])
      assert.match(refused, /retentionPeriodd[\s\S]*\[exit status [1-9]/, refused)
    },
  },
  busybox: {
    args: ['busybox'],
    reports: new RegExp(`^BusyBox v${escape(pin('BUSYBOX_IMAGE').split(':').pop()!)} `, 'm'),
    user: '',
  },
}

/**
 * Images the platform references that get no stand-in, and why. Ours are built by `make images`
 * (services/, operator-config/instrumentation.yaml's auto-instrumentation image).
 */
const EXCEPTIONS: [RegExp, string][] = [
  [/^shopscope\//, 'ours: built by `make images`'],
  [
    /^docker\.io\/grafana\/(grafana|loki):/,
    'AGPL: never built here; in-box, the overlay values disable Grafana and VictoriaLogs replaces Loki',
  ],
  [/^quay\.io\/kiwigrid\/k8s-sidecar:/, "Grafana's sidecars: gone with Grafana in-box"],
  [
    /^quay\.io\/thanos\/thanos:/,
    "prometheus-operator's default for a Thanos sidecar, which no Prometheus here asks for",
  ],
  [
    /^busybox:latest$/,
    "the opentelemetry-operator chart's `helm test` pod: only the shop release is tested",
  ],
]
const exception = (image: string) => EXCEPTIONS.some(([pattern]) => pattern.test(image))
/** Referenced and run in-box, with no stand-in yet: each is a todo test below. */
const MISSING: Record<string, string> = {}

/** Every image name in objects: `image` strings, and `--…image=` / config-reloader flags. */
function imagesIn(objects: unknown[]): string[] {
  const found: string[] = []
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key === 'image') found.push(value)
      const flagged = /^--(?:[a-z-]*-image|prometheus-config-reloader)=(.+)$/.exec(value)
      if (flagged) found.push(flagged[1]!)
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item)
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, k)
    }
  }
  walk(objects)
  return found
}
let allMemo: Set<string> | undefined
/**
 * What a cluster-up references: the synthesized manifests (Loki's and the in-box one), both
 * upstream charts as installed, the shop chart with the kind values (its `helm test` pod
 * included), the Instrumentation, and the node's images in versions.env.
 */
function allReferencedImages(): Set<string> {
  if (allMemo) return allMemo
  const { kps, otel } = upstream()
  const kindValues = ciValuesFiles().filter((file) => file.endsWith('kind-values.yaml'))
  assert.equal(kindValues.length, 1)
  const shop = parseObjects(helmTemplate(kindValues))
  const instrumentation = parseObjects(
    readFileSync(join(REPO_ROOT, 'operator-config', 'instrumentation.yaml'), 'utf8'),
  )
  allMemo = new Set([
    ...imagesIn([
      ...platform().objects,
      ...inBoxPlatform(),
      ...kps,
      ...otel,
      ...shop,
      ...instrumentation,
    ]),
    pin('PAUSE_IMAGE'),
    pin('COREDNS_IMAGE'),
  ])
  return allMemo
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
  const run: Runner = (command, options = []) => {
    const result = buildah([
      'run',
      '--isolation',
      'chroot',
      ...user,
      ...options,
      id,
      '--',
      ...command,
    ])
    const failed = result.status === 0 ? '' : `\n[exit status ${result.status}]`
    return `${result.stdout}${result.stderr}${failed}`
  }
  try {
    const entrypoint = standIn.binaryOnly ? cfg.Entrypoint?.slice(0, 1) : cfg.Entrypoint
    const command = [...(entrypoint ?? []), ...standIn.args]
    const output = run(command)
    assert.match(output, standIn.reports, `${image} ${command.join(' ')}:\n${output}`)
    for (const more of standIn.alsoReports ?? []) assert.match(output, more, image)
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

  it('every image the platform references is a stand-in, ours, or excepted with its reason', () => {
    const built = new Set(Object.values(listed))
    const unexplained = [...allReferencedImages()].filter(
      (image) => !built.has(image) && !exception(image) && !(image in MISSING),
    )
    assert.deepEqual(unexplained, [], 'referenced, with no stand-in and no reason')
  })

  // Known gaps: referenced and run in-box, no stand-in yet. Reported as todo, never passing
  // silently: each fails (todo) until it is built, then the list above must lose it.
  for (const [image, why] of Object.entries(MISSING)) {
    it(`no stand-in yet for ${image}`, { todo: why }, () => {
      assert.ok(allReferencedImages().has(image), `${image} is no longer referenced: drop it`)
      assert.ok(Object.values(listed).includes(image), `${image}: ${why}`)
    })
  }

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

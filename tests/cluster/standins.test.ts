/**
 * The offline stand-ins of the upstream images (scripts/images/standins/build.sh, `make standins`):
 * each is in buildah's storage under exactly the name the rendered charts and versions.env
 * reference, its entrypoint reports the pinned release, and it runs as the user the upstream image
 * runs as. A stand-in that is not built is a failure naming the fix. `make test-standins`.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
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

interface MySqlWorkload {
  image: string
  runAsUser: number
  args: string[]
}
/** The MySQL StatefulSets of the synthesized platform: one image, one runAsUser, one args. */
function mysqlWorkloads(objects: K8sObject[]): MySqlWorkload {
  const sets = objects.filter(
    (o) => o.kind === 'StatefulSet' && o.metadata.labels?.['app.kubernetes.io/name'] === 'mysql',
  )
  assert.ok(sets.length > 0, 'no MySQL StatefulSet synthesized')
  const images = new Set(sets.map(firstImage))
  const users = new Set(sets.map((o) => o.spec.template.spec.securityContext?.runAsUser as number))
  assert.equal(images.size, 1, [...images].join(' '))
  assert.equal(users.size, 1, [...users].join(' '))
  const args = new Set(sets.map((o) => JSON.stringify(o.spec.template.spec.containers[0].args)))
  assert.equal(args.size, 1, [...args].join(' '))
  return {
    image: [...images][0]!,
    runAsUser: [...users][0]!,
    args: JSON.parse([...args][0]!) as string[],
  }
}

let mysqlMemo: MySqlWorkload | undefined
const mysql = () => (mysqlMemo ??= mysqlWorkloads(readObjects(synthPlatform().files)))

/** The image names the charts render with our values, and the ones versions.env names. */
function referencedImages(): Record<string, string> {
  const synth = synthPlatform()
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
    mysql: mysql().image,
  }
}

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
    // Its Makefile's ldflags from versions.txt: without them the default operand tags are empty.
    alsoReports: [
      new RegExp(`"collector-image":"[^"]+:${escape(bare(pin('OTEL_OPERATOR_VERSION')))}"`),
      /"auto-instrumentation-node-js-image":"[^"]+:\d+\.\d+\.\d+"/,
    ],
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

/*
 * The MySQL stand-in's entrypoint, run as the StatefulSet runs it (its args, its runAsUser) and as
 * root (drops to mysql), on an empty data directory and again on the initialized one. The server
 * programs are stubs that log their arguments and SQL (no MariaDB is started here): this checks
 * the official image's contract, the SQL it sends and the init files it runs, not MariaDB itself.
 */
const STUBS: Record<string, string> = {
  mysqld: `#!/bin/bash
case " $* " in
  *" --verbose --help "*) printf 'datadir /var/lib/mysql/\\nsocket /run/mysqld/mysqld.sock\\n'; exit 0 ;;
  *" --version "*) echo 'mysqld  Ver 0-stub'; exit 0 ;;
esac
echo "mysqld uid=$(id -u) $*" >>/tmp/calls
if [[ " $* " == *" --skip-networking "* ]]; then echo $$ >/tmp/stub.pid; exec sleep 120; fi
`,
  mariadb: `#!/bin/bash
{ echo "mariadb uid=$(id -u) $*"; cat; echo; } >>/tmp/calls
`,
  'mariadb-admin': `#!/bin/bash
echo "mariadb-admin uid=$(id -u) $*" >>/tmp/calls
kill "$(cat /tmp/stub.pid)"
`,
  'mariadb-install-db': `#!/bin/bash
echo "install-db uid=$(id -u) $*" >>/tmp/calls
mkdir -p /var/lib/mysql/mysql
`,
  'mariadb-tzinfo-to-sql': `#!/bin/bash
echo '-- tzinfo'
`,
}
const INIT_FILES: Record<string, { text: string; mode: number }> = {
  '01-schema.sql': { text: 'CREATE TABLE from_init_sql (id INT);\n', mode: 0o644 },
  '02-sourced.sh': {
    text: 'echo "sourced uid=$(id -u) db=$MYSQL_DATABASE" >>/tmp/calls\n"${mysql[@]}" <<<"SELECT 2"\n',
    mode: 0o644,
  },
  '03-run.sh': { text: '#!/bin/sh\necho "executed uid=$(id -u)" >>/tmp/calls\n', mode: 0o755 },
  '04-ignored.txt': { text: 'not run\n', mode: 0o644 },
}

describe('the MySQL stand-in entrypoint (server programs stubbed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'standins-mysql-'))
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'stub'))
  mkdirSync(join(dir, 'initdb'))
  for (const [name, text] of Object.entries(STUBS))
    writeFileSync(join(dir, 'stub', name), text, { mode: 0o755 })
  for (const [name, { text, mode }] of Object.entries(INIT_FILES))
    writeFileSync(join(dir, 'initdb', name), text, { mode })
  writeFileSync(join(dir, 'stub', 'root-password'), 'r00t-pw', { mode: 0o644 })
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** Two starts of the entrypoint in one container: the calls each logged. */
  function twoStarts(user: string[]): [string, string] {
    const image = mysql().image
    config(image)
    const from = buildah(['from', '--quiet', '--pull-never', image])
    assert.equal(from.status, 0, from.stderr)
    const id = from.stdout.trim()
    const env = {
      PATH: '/stub:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      MYSQL_ROOT_PASSWORD_FILE: '/stub/root-password',
      MYSQL_DATABASE: 'shop',
      MYSQL_USER: 'shop',
      MYSQL_PASSWORD: "it's-secret",
    }
    const run = (command: string[]) =>
      buildah([
        'run',
        '--isolation',
        'chroot',
        ...user,
        '--volume',
        `${join(dir, 'stub')}:/stub:ro`,
        '--volume',
        `${join(dir, 'initdb')}:/docker-entrypoint-initdb.d:ro`,
        ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        id,
        '--',
        ...command,
      ])
    try {
      const starts: string[] = []
      for (let i = 0; i < 2; i++) {
        const started = run(['docker-entrypoint.sh', ...mysql().args])
        assert.equal(started.status, 0, `${started.stdout}${started.stderr}`)
        starts.push(run(['sh', '-c', 'cat /tmp/calls; rm /tmp/calls']).stdout)
      }
      return starts as [string, string]
    } finally {
      buildah(['rm', id])
    }
  }

  function checkInit(calls: string, uid: number) {
    const args = mysql().args.join(' ')
    assert.match(
      calls,
      new RegExp(`^install-db uid=${uid} --datadir=/var/lib/mysql/ .*${escape(args)}`, 'm'),
    )
    assert.match(calls, new RegExp(`^mysqld uid=${uid} ${escape(args)} --skip-networking `, 'm'))
    assert.match(calls, /ALTER USER 'root'@'localhost' IDENTIFIED BY 'r00t-pw';/)
    assert.match(calls, /CREATE USER 'root'@'%' IDENTIFIED BY 'r00t-pw';/)
    assert.match(calls, /CREATE DATABASE IF NOT EXISTS `shop` ;/)
    assert.match(calls, /CREATE USER 'shop'@'%' IDENTIFIED BY 'it\\'s-secret' ;/)
    assert.match(calls, /GRANT ALL ON `shop`\.\* TO 'shop'@'%' ;/)
    assert.match(calls, /--database=shop[^\n]*\nCREATE TABLE from_init_sql/)
    assert.match(calls, new RegExp(`^sourced uid=${uid} db=shop$`, 'm'))
    assert.match(calls, /\nSELECT 2\n/)
    assert.match(calls, new RegExp(`^executed uid=${uid}$`, 'm'))
    assert.doesNotMatch(calls, /not run/)
    assert.match(calls, /^mariadb-admin uid=\d+ shutdown -uroot --password=r00t-pw /m)
    // Last: the server itself, with the StatefulSet's arguments.
    assert.match(calls.trimEnd(), new RegExp(`\\nmysqld uid=${uid} ${escape(args)}$`))
  }

  it("as the StatefulSet's runAsUser: initializes once, then only starts the server", () => {
    const [first, second] = twoStarts(['--user', String(mysql().runAsUser)])
    checkInit(first, mysql().runAsUser)
    assert.equal(second.trim(), `mysqld uid=${mysql().runAsUser} ${mysql().args.join(' ')}`)
  })

  it('as root: drops to the mysql user for all of it', () => {
    const [first, second] = twoStarts([])
    checkInit(first, mysql().runAsUser)
    assert.equal(second.trim(), `mysqld uid=${mysql().runAsUser} ${mysql().args.join(' ')}`)
  })
})

import assert from 'node:assert/strict'
import { lstatSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT, SERVICE_NAMES } from '@shopscope/system'
import { parse } from 'yaml'
import { VERSIONS } from '../../dev/cluster/render'
import { CHART_DIR } from '../../dev/cluster/tools'

const dockerfile = (service: string) =>
  readFileSync(join(REPO_ROOT, 'services', service, 'Dockerfile'), 'utf8')

describe('service images', () => {
  it('build from one recipe: each service Dockerfile links to services/Dockerfile', () => {
    for (const s of SERVICE_NAMES) {
      const path = join(REPO_ROOT, 'services', s, 'Dockerfile')
      assert.ok(lstatSync(path).isSymbolicLink(), `${s}/Dockerfile is a link`)
      assert.equal(realpathSync(path), join(REPO_ROOT, 'services', 'Dockerfile'))
    }
    // No default: building without naming the service must stop, not build the wrong one.
    const recipe = readFileSync(join(REPO_ROOT, 'services', 'Dockerfile'), 'utf8')
    assert.doesNotMatch(recipe, /^ARG SERVICE=/m)
    assert.match(
      recipe,
      /grep -qs '"start": "node dist\/server\.js"' "services\/\$\{SERVICE:-none\}\/package\.json"/,
    )
    // …which every service's package.json passes, and no library's.
    for (const s of SERVICE_NAMES) {
      const start = JSON.parse(readFileSync(join(REPO_ROOT, 'services', s, 'package.json'), 'utf8'))
      assert.equal(start.scripts?.start, 'node dist/server.js', s)
    }
  })

  it('copy every workspace manifest before npm ci (npm does not notice a missing one)', () => {
    const { workspaces } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[]
    }
    const copied = [
      ...readFileSync(join(REPO_ROOT, 'services', 'Dockerfile'), 'utf8').matchAll(
        /^COPY (\S+)\/package\.json /gm,
      ),
    ].map((m) => m[1])
    assert.deepEqual(copied.sort(), [...workspaces].sort())
  })

  it("build the auto-instrumentation image from the services' build stage (one cached copy)", () => {
    // Instructions only, comments dropped, continuation lines joined.
    const text = readFileSync(join(REPO_ROOT, 'services', 'Dockerfile'), 'utf8').replace(
      /\\\n\s*/g,
      ' ',
    )
    const lines = text.split('\n').filter((line) => line.trim() && !line.startsWith('#'))
    const stages = lines.filter((line) => line.startsWith('FROM '))
    assert.deepEqual(stages, [
      'FROM ${NODE_IMAGE} AS manifests',
      'FROM manifests AS build',
      'FROM build AS autoinstrumentation-staged',
      'FROM ${BUSYBOX_IMAGE} AS autoinstrumentation',
      'FROM manifests AS production-dependencies',
      // Last: a build without --target makes a service image.
      'FROM ${NODE_IMAGE} AS service',
    ])
    const build = lines.slice(
      lines.indexOf('FROM manifests AS build'),
      lines.indexOf('FROM build AS autoinstrumentation-staged'),
    )
    // Every workspace under services/, installed, copied and compiled: no list to keep in step.
    assert.ok(
      build.some((line) => / -w services$/.test(line)),
      'npm ci -w services',
    )
    assert.ok(build.includes('COPY services/ services/'), 'services/ copied')
    assert.ok(
      build.some((line) => line.startsWith('RUN npx tsc -b services/*/ ')),
      'tsc -b services/*/',
    )
    assert.ok(!build.some((line) => line.includes('SERVICE')), 'no per-image argument in it')
    const builder = readFileSync(join(REPO_ROOT, 'scripts', 'images', 'build.sh'), 'utf8')
    assert.match(builder, /-f services\/Dockerfile --target autoinstrumentation\b/)
  })

  it('default to the Node image pinned in versions.env', () => {
    for (const service of SERVICE_NAMES) {
      const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile(service))
      assert.equal(arg?.[1], VERSIONS.NODE_IMAGE, service)
    }
    // The benchmark runs the services on NODE_VERSION: it must be the images' Node.
    assert.match(VERSIONS.NODE_IMAGE ?? '', new RegExp(`:${VERSIONS.NODE_VERSION}-`))
  })

  it('run as uid 10001 the compiled server, and ship the telemetry bootstrap the chart requires', () => {
    const telemetry = JSON.parse(
      readFileSync(join(REPO_ROOT, 'services', 'telemetry', 'package.json'), 'utf8'),
    )
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'))
    assert.equal(values.telemetry.bootstrapPath, `/app/services/telemetry/${telemetry.main}`)
    for (const service of SERVICE_NAMES) {
      const text = dockerfile(service)
      assert.match(text, /^USER 10001:10001$/m)
      assert.match(text, /^CMD \["node", "dist\/server\.js"\]$/m)
      assert.match(
        text,
        /COPY --from=build \/app\/services\/telemetry\/dist services\/telemetry\/dist/,
      )
    }
    assert.equal(values.podSecurityContext.runAsUser, 10001)
  })

  it('pin the helm test image and the auto-instrumentation base to versions.env', () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'))
    assert.equal(values.tests.image, VERSIONS.BUSYBOX_IMAGE)
    // The defaults of a plain `docker build`; the scripts pass both from versions.env anyway.
    const recipe = readFileSync(join(REPO_ROOT, 'services', 'Dockerfile'), 'utf8')
    assert.equal(/^ARG BUSYBOX_IMAGE=(\S+)$/m.exec(recipe)?.[1], VERSIONS.BUSYBOX_IMAGE)
    assert.equal(/^ARG NODE_IMAGE=(\S+)$/m.exec(recipe)?.[1], VERSIONS.NODE_IMAGE)
  })
})

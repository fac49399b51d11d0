import assert from 'node:assert/strict'
import { lstatSync, readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { VERSIONS } from './lib/render'
import { CHART_DIR, ROOT } from './lib/tools'

const SERVICES = ['frontend', 'user-service', 'product-service', 'order-service']
const dockerfile = (service: string) =>
  readFileSync(join(ROOT, 'services', service, 'Dockerfile'), 'utf8')

describe('service images', () => {
  it('build from one recipe: each service Dockerfile links to services/Dockerfile', () => {
    for (const s of SERVICES) {
      const path = join(ROOT, 'services', s, 'Dockerfile')
      assert.ok(lstatSync(path).isSymbolicLink(), `${s}/Dockerfile is a link`)
      assert.equal(realpathSync(path), join(ROOT, 'services', 'Dockerfile'))
    }
    // No default: building without naming the service must stop, not build the wrong one.
    const recipe = readFileSync(join(ROOT, 'services', 'Dockerfile'), 'utf8')
    assert.doesNotMatch(recipe, /^ARG SERVICE=/m)
    for (const s of SERVICES) assert.match(recipe, new RegExp(`case "\\$SERVICE" in .*\\b${s}\\b`))
    const up = readFileSync(join(ROOT, 'scripts', 'cluster', 'up.sh'), 'utf8')
    assert.match(up, /--build-arg SERVICE="\$service"/)
  })

  it('copy every workspace manifest before npm ci (npm does not notice a missing one)', () => {
    const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[]
    }
    for (const file of ['services/Dockerfile', 'services/telemetry/Dockerfile']) {
      const copied = [
        ...readFileSync(join(ROOT, file), 'utf8').matchAll(/^COPY (\S+)\/package\.json /gm),
      ].map((m) => m[1])
      assert.deepEqual(copied.sort(), [...workspaces].sort(), file)
    }
  })

  it('share the manifests and build stages with the auto-instrumentation image (one cached copy)', () => {
    // Instructions only, comments dropped, continuation lines joined: what the build cache keys on.
    const sharedStage = (file: string) => {
      const text = readFileSync(join(ROOT, file), 'utf8').replace(/\\\n\s*/g, ' ')
      const lines = text.split('\n').filter((line) => line.trim() && !line.startsWith('#'))
      const from = lines.indexOf('FROM ${NODE_IMAGE} AS manifests')
      const compile = lines.findIndex((line) => line.startsWith('RUN npx tsc -b '))
      assert.ok(from >= 0 && compile > from, `${file}: a build stage with the compile`)
      return lines.slice(from, compile + 1)
    }
    const services = sharedStage('services/Dockerfile')
    assert.deepEqual(sharedStage('services/telemetry/Dockerfile'), services)
    for (const s of SERVICES) {
      assert.ok(
        services.some((line) => line.includes(`-w services/${s}`)),
        `npm ci installs ${s}`,
      )
      assert.ok(services.includes(`COPY services/${s}/ services/${s}/`), `${s} copied`)
    }
    assert.ok(!services.some((line) => line.includes('SERVICE')), 'no per-image argument in it')
  })

  it('default to the Node image pinned in versions.env', () => {
    for (const service of SERVICES) {
      const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile(service))
      assert.equal(arg?.[1], VERSIONS.NODE_IMAGE, service)
    }
    // The benchmark runs the services on NODE_VERSION: it must be the images' Node.
    assert.match(VERSIONS.NODE_IMAGE ?? '', new RegExp(`:${VERSIONS.NODE_VERSION}-`))
  })

  it('run as uid 10001 the compiled server, and ship the telemetry bootstrap the chart requires', () => {
    const telemetry = JSON.parse(
      readFileSync(join(ROOT, 'services', 'telemetry', 'package.json'), 'utf8'),
    )
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8'))
    assert.equal(values.telemetry.bootstrapPath, `/app/services/telemetry/${telemetry.main}`)
    for (const service of SERVICES) {
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
    const telemetry = readFileSync(join(ROOT, 'services', 'telemetry', 'Dockerfile'), 'utf8')
    assert.equal(/^ARG BUSYBOX_IMAGE=(\S+)$/m.exec(telemetry)?.[1], VERSIONS.BUSYBOX_IMAGE)
    assert.equal(/^ARG NODE_IMAGE=(\S+)$/m.exec(telemetry)?.[1], VERSIONS.NODE_IMAGE)
  })
})

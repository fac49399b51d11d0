import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { before, describe, it } from 'node:test'
import { REPO_ROOT } from '@shopscope/system'
import { stringify } from 'yaml'
import { KIND_ADDONS_DIR } from '../../cdk8s/src/synth'
import { kubeconform } from './lib/kubeconform'
import {
  type K8sObject,
  ciValuesFiles,
  helmTemplate,
  parseObjects,
  synthPlatform,
} from '../../dev/cluster/render'

const work = mkdtempSync(join(tmpdir(), 'shopscope-kubeconform-'))

/** Writes objects as a YAML stream and returns the file. */
function writeObjects(name: string, objects: K8sObject[]): string {
  const file = join(work, name)
  writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'))
  return file
}

describe('strict schema validation (kubeconform, API schemas from npm types: 1.33, the newest published)', () => {
  let files: string[] = []

  before(() => {
    const renders = ciValuesFiles().map((values) => {
      const file = join(work, `helm-${basename(values)}`)
      writeFileSync(file, helmTemplate([values]))
      return file
    })
    const bootstrap = join(work, 'helm-bootstrap-mode.yaml')
    const kind = ciValuesFiles().find((f) => f.endsWith('kind-values.yaml')) as string
    writeFileSync(bootstrap, helmTemplate([kind], ['telemetry.mode=bootstrap']))
    const operatorConfig = join(REPO_ROOT, 'operator-config', 'instrumentation.yaml')
    const synth = synthPlatform()
    // The kind cluster's add-ons (make kind-addons), synthesized beside the platform.
    const addonsDir = join(synth.dir, KIND_ADDONS_DIR)
    const addons = readdirSync(addonsDir).map((file) => join(addonsDir, file))
    // The in-box synthesis: VictoriaLogs in Loki's place (LOGS_BACKEND=victorialogs).
    const inBox = synthPlatform('victorialogs').files.filter((f) => f.includes('observability'))
    files = [...renders, bootstrap, ...synth.files, ...inBox, ...addons, operatorConfig]
  })

  it('accepts every rendered chart, synthesized cdk8s object and operator-config CR', () => {
    const result = kubeconform(files)
    assert.equal(result.code, 0, result.stdout + result.stderr)
    const summary = /Valid: (\d+), Invalid: (\d+), Errors: (\d+), Skipped: (\d+)/.exec(
      result.stdout,
    )
    assert.ok(summary, result.stdout)
    assert.ok(Number(summary[1]) > 60, `only ${summary[1]} objects validated`)
    assert.deepEqual(summary.slice(2), ['0', '0', '0'])
  })

  it('rejects a misspelled field in a core object (Deployment)', () => {
    const objects = parseObjects(readFileSync(files[0]!, 'utf8'))
    const deployment = objects.find((o) => o.kind === 'Deployment')!
    deployment.spec.template.spec.containers[0].imagePullPolcy = 'Always'
    const result = kubeconform([writeObjects('typo-deployment.yaml', [deployment])])
    assert.notEqual(result.code, 0)
    assert.match(result.stdout, /additional properties 'imagePullPolcy' not allowed/)
  })

  it('rejects a misspelled field in a CRD object (OpenTelemetryCollector)', () => {
    const objects = parseObjects(
      readFileSync(
        files.find((f) => f.includes('observability'))!,
        'utf8',
      ),
    )
    const collector = objects.find((o) => o.kind === 'OpenTelemetryCollector')!
    collector.spec.replica = 2
    const result = kubeconform([writeObjects('typo-collector.yaml', [collector])])
    assert.notEqual(result.code, 0)
    assert.match(result.stdout, /additional properties 'replica' not allowed/)
  })

  it('rejects a wrong type and a kind it has no schema for', () => {
    const wrongType = writeObjects('wrong-type.yaml', [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'x' },
        spec: { ports: [{ port: 'eighty' }] },
      },
    ])
    assert.notEqual(kubeconform([wrongType]).code, 0)
    const unknownKind = writeObjects('unknown-kind.yaml', [
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } },
    ])
    const result = kubeconform([unknownKind])
    assert.notEqual(result.code, 0)
    assert.match(result.stdout, /could not find schema for Widget/)
  })
})

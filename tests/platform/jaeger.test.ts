import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { VERSIONS, readObjects, synthPlatform } from './lib/render'
import { run, runOk, tool } from './lib/tools'

const work = mkdtempSync(join(tmpdir(), 'shopscope-jaeger-'))
const configMap = readObjects(synthPlatform().files).find(
  (o) => o.kind === 'ConfigMap' && o.metadata.name === 'jaeger',
)!
const config = configMap.data!['config.yaml']!

function validate(text: string) {
  const file = join(work, `config-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, text)
  return run(tool('jaeger'), ['validate', `--config=${file}`])
}

describe('Jaeger v2 configuration (validated by the pinned jaeger binary)', () => {
  it('is accepted by `jaeger validate`', () => {
    const result = validate(config)
    assert.equal(result.status, 0, result.stderr)
  })

  it('rejects a misspelled key (the check can fail)', () => {
    const result = validate(config.replace('max_traces', 'max_tracez'))
    assert.notEqual(result.status, 0)
    assert.match(result.stderr, /invalid keys: max_tracez/)
  })

  it('the binary is the release of the pinned image', () => {
    const moduleDir = join(
      runOk('go', ['env', 'GOMODCACHE']).trim(),
      'github.com',
      'jaegertracing',
      `jaeger@${VERSIONS.JAEGER_MODULE_VERSION}`,
    )
    assert.ok(existsSync(moduleDir), `${moduleDir} missing: run make tools`)
    const tag = VERSIONS.JAEGER_IMAGE!.split(':').pop()
    const changelog = readFileSync(join(moduleDir, 'CHANGELOG.md'), 'utf8')
    assert.match(changelog, new RegExp(`^${VERSIONS.JAEGER_MODULE_VERSION} / v${tag} `, 'm'))
  })
})

import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { VERSIONS, readObjects, synthPlatform } from '../platform/lib/render'
import { run, runOk, tool } from '../platform/lib/tools'

const work = mkdtempSync(join(tmpdir(), 'shopscope-backends-'))
const objects = readObjects(synthPlatform().files)
const configOf = (name: string) =>
  objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)!.data!['config.yaml']!

function write(text: string): string {
  const file = join(work, `config-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, text)
  return file
}

const jaeger = (text: string) => run(tool('jaeger'), ['validate', `--config=${write(text)}`])

/** The module source the stand-in's binary was built from (in the Go module cache). */
function moduleDir(path: string, version: string): string {
  const dir = join(runOk('go', ['env', 'GOMODCACHE']).trim(), path + '@' + version)
  assert.ok(existsSync(dir), `${dir} missing: run make tool-jaeger`)
  return dir
}

describe('the Jaeger config, checked by the pinned binary', () => {
  it('jaeger validate accepts the Jaeger config and rejects a misspelled key', () => {
    const config = configOf('jaeger')
    const ok = jaeger(config)
    assert.equal(ok.status, 0, ok.stderr)
    const typo = jaeger(config.replace('max_traces', 'max_tracez'))
    assert.notEqual(typo.status, 0)
    assert.match(typo.stderr, /invalid keys: max_tracez/)
  })

  it('the binary is the release of the pinned image', () => {
    const jaegerTag = VERSIONS.JAEGER_IMAGE!.split(':').pop()
    const changelog = readFileSync(
      join(
        moduleDir('github.com/jaegertracing/jaeger', VERSIONS.JAEGER_MODULE_VERSION!),
        'CHANGELOG.md',
      ),
      'utf8',
    )
    // Jaeger tags each release twice: v1.x.y / v2.x.y.
    assert.match(changelog, new RegExp(`^${VERSIONS.JAEGER_MODULE_VERSION} / v${jaegerTag} `, 'm'))
  })
})

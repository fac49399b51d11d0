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
    // Jaeger tags each release twice: v2.x.y with v1.(x+63).y.
    const [major, minor, patch] = VERSIONS.JAEGER_IMAGE!.split(':').pop()!.split('.').map(Number)
    assert.equal(major, 2)
    assert.equal(VERSIONS.JAEGER_MODULE_VERSION, `v1.${minor! + 63}.${patch}`)
    const changelog = readFileSync(
      join(
        moduleDir('github.com/jaegertracing/jaeger', VERSIONS.JAEGER_MODULE_VERSION!),
        'CHANGELOG.md',
      ),
      'utf8',
    )
    // Its newest entry is this release, or the one before: v1.75.0 was tagged before its own
    // entry was merged (v1.76.0's changelog dates it 2025-11-18, the proxy's tag 2025-11-13).
    const newest = changelog.match(/^v1\.(\d+)\.\d+ \/ v2\.(\d+)\.\d+ /m)
    assert.ok(newest, 'no release entry in CHANGELOG.md')
    assert.ok(
      [minor! + 63, minor! + 62].includes(Number(newest[1])),
      `CHANGELOG.md's newest entry is ${newest[0]}, not ${VERSIONS.JAEGER_MODULE_VERSION} or the one before`,
    )
  })
})

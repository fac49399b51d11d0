/**
 * scripts/images/standins/jaeger-ui.sh builds only the archive versions.env pins: a wrong or
 * missing archive fails naming the fix, before any npm work (the build itself: jaeger-config.test.ts
 * checks the UI the binary serves).
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { it } from 'node:test'
import { REPO_ROOT } from '@shopscope/system'
import { VERSIONS } from '../../dev/cluster/render'

const script = join(REPO_ROOT, 'scripts', 'images', 'standins', 'jaeger-ui.sh')
const archive = `jaeger-ui-${VERSIONS.JAEGER_UI_VERSION!.replace(/^v/, '')}.tar.gz`

function build(sourcesDir: string) {
  // An empty cache: the pinned build is never found there.
  const cache = mkdtempSync(join(tmpdir(), 'shopscope-jaeger-ui-'))
  return spawnSync(script, [], {
    encoding: 'utf8',
    env: { ...process.env, SHOPSCOPE_CACHE: cache, SOURCES_DIR: sourcesDir },
  })
}

it('refuses an archive whose sha256 is not JAEGER_UI_SHA256', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shopscope-sources-'))
  writeFileSync(join(dir, archive), 'not the release')
  const result = build(dir)
  assert.equal(result.status, 1)
  assert.match(result.stderr, new RegExp(`not JAEGER_UI_SHA256 ${VERSIONS.JAEGER_UI_SHA256}`))
})

it('names SOURCES_DIR when the archive is not there', () => {
  const result = build(mkdtempSync(join(tmpdir(), 'shopscope-sources-')))
  assert.equal(result.status, 1)
  assert.match(result.stderr, new RegExp(`no .*/${archive}: set SOURCES_DIR`))
  assert.match(build('/nonexistent').stderr, /SOURCES_DIR=\/nonexistent is not a directory/)
})

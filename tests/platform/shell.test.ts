import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@shopscope/system'
import { runSyncOk } from '../../dev/cluster/run'

describe('shell scripts and make recipes', () => {
  it('never pipe into head under pipefail (the writer may die of SIGPIPE: exit 141)', () => {
    // The cold CI run at f26d0de failed so: `etcd --version | head -1` in build-etcd.sh.
    const files = runSyncOk('git', ['-C', REPO_ROOT, 'ls-files', '*.sh', 'Makefile', 'mk/*.mk'])
      .split('\n')
      .filter(Boolean)
    assert.ok(files.length > 10, files.join(' '))
    const offending = files.flatMap((file) => {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8')
      // Every make recipe runs with -o pipefail (.SHELLFLAGS in the Makefile).
      if (file.endsWith('.sh') && !/set -[a-z]*o pipefail/.test(text)) return []
      return text
        .split('\n')
        .map((line, i) => ({ line, at: `${file}:${i + 1}` }))
        .filter(({ line }) => /\|\s*head\b/.test(line) && !line.trimStart().startsWith('#'))
        .map(({ at, line }) => `${at}: ${line.trim()}`)
    })
    assert.deepEqual(offending, [])
  })
})

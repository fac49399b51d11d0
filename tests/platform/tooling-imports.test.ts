// Product tooling (scripts/, dev/) must run from a checkout without its tests: the tests import
// the tooling's runtime (MariaDB, kube, alert configs), never the reverse.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@shopscope/system'

const TOOLING = ['scripts', 'dev']
const TESTS_DIR = join(REPO_ROOT, 'tests')
const MODULE = /\.(ts|mts|cts|js|mjs|cjs)$/

/** `from '…'`, `import '…'`, `import('…')`, `require('…')`. */
const SPECIFIER = /(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)(['"])([^'"]+)\1/gm
/** A shell line that names a module of tests/ (to run it with node). */
const TESTS_MODULE_PATH = /\btests\/[\w./-]+\.(ts|mts|cts|js|mjs|cjs)\b/

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path)
    return [path]
  })
}

const insideTests = (path: string) => path === TESTS_DIR || path.startsWith(TESTS_DIR + sep)

/** `file:line: what` of every import of tests/ in a module's source. */
function importsOfTests(file: string, source: string): string[] {
  return [...source.matchAll(SPECIFIER)].flatMap((match) => {
    const specifier = match[2] ?? ''
    const intoTests = specifier.startsWith('.')
      ? insideTests(resolve(dirname(file), specifier))
      : /^@shopscope\/tests(\/|$)/.test(specifier)
    if (!intoTests) return []
    const line = source.slice(0, match.index).split('\n').length
    return [`${relative(REPO_ROOT, file)}:${line}: ${specifier}`]
  })
}

/** `file:line: line` of every shell line, comments aside, that names a module of tests/. */
function shellUsesOfTests(file: string, source: string): string[] {
  return source.split('\n').flatMap((text, i) => {
    if (text.trimStart().startsWith('#') || !TESTS_MODULE_PATH.test(text)) return []
    return [`${relative(REPO_ROOT, file)}:${i + 1}: ${text.trim()}`]
  })
}

describe('product tooling', () => {
  it('finds what it looks for (an import of tests/ and a shell line running one)', () => {
    const script = join(REPO_ROOT, 'dev', 'local', 'example.ts')
    const found = importsOfTests(
      script,
      [
        "import { startMariaDb } from '../../tests/harness'",
        "import type { Shoppers } from '../../tests/cluster/shoppers'",
        "export { run } from '../../tests/cluster/run'",
        "const lazy = await import('@shopscope/tests/harness')",
        "import { REPO_ROOT } from '@shopscope/system'",
        "import { ports } from './ports'",
      ].join('\n'),
    )
    assert.deepEqual(found, [
      'dev/local/example.ts:1: ../../tests/harness',
      'dev/local/example.ts:2: ../../tests/cluster/shoppers',
      'dev/local/example.ts:3: ../../tests/cluster/run',
      'dev/local/example.ts:4: @shopscope/tests/harness',
    ])
    const shell = join(REPO_ROOT, 'scripts', 'example.sh')
    const text = '# tests/harness/x.ts reads it\nnode --import tsx "$root/tests/harness/x.ts" &\n'
    assert.deepEqual(shellUsesOfTests(shell, text), [
      'scripts/example.sh:2: node --import tsx "$root/tests/harness/x.ts" &',
    ])
  })

  it('under scripts/ and dev/ never imports or runs a module of tests/', () => {
    const files = TOOLING.flatMap((dir) => filesUnder(join(REPO_ROOT, dir)))
    assert.ok(
      files.some((file) => MODULE.test(file)),
      'no TypeScript found under scripts/ or dev/',
    )
    const offending = files.flatMap((file) => {
      if (MODULE.test(file)) return importsOfTests(file, readFileSync(file, 'utf8'))
      if (file.endsWith('.sh')) return shellUsesOfTests(file, readFileSync(file, 'utf8'))
      return []
    })
    assert.deepEqual(offending, [])
  })
})

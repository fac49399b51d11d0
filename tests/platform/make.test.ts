// Make as the front door: `make help` shows a few public targets in the five groups, every
// target it names exists, and reading the Makefiles runs no command.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')
const make = (...args: string[]) =>
  execFileSync('make', ['--no-print-directory', '-s', ...args], { cwd: ROOT, encoding: 'utf8' })

/** Group name → its targets, from `make help`'s "group:" headings and indented lines. */
function groups(help: string): Map<string, string[]> {
  const result = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of help.split('\n')) {
    const heading = /^([a-z-]+):$/.exec(line)
    if (heading?.[1]) result.set(heading[1], (current = []))
    const target = /^ {2}(\S+)/.exec(line)
    if (target?.[1] && current) current.push(target[1])
  }
  return result
}

describe('make help', () => {
  const publicTargets = groups(make('help'))

  it('shows at most 25 public targets in the five groups', () => {
    assert.deepEqual([...publicTargets.keys()], ['set-up', 'run', 'test', 'cluster', 'bench'])
    const count = [...publicTargets.values()].flat().length
    assert.ok(count <= 25, `${count} public targets`)
    assert.ok(publicTargets.get('test')?.includes('test'), 'the README test command is public')
  })

  it('names only targets that exist, and ALL=1 adds their parts', () => {
    // make's own database of rules (-p), read without running anything (-q).
    let database = ''
    try {
      database = make('-pq', 'help')
    } catch (err) {
      database = String((err as { stdout?: string }).stdout ?? '')
    }
    const defined = new Set([...database.matchAll(/^([a-zA-Z0-9_.-]+):/gm)].map((m) => m[1]))
    const all = [...groups(make('help', 'ALL=1')).values()].flat()
    for (const target of all) assert.ok(defined.has(target), `${target} is not a make target`)
    assert.ok(all.length > [...publicTargets.values()].flat().length)
  })
})

describe('reading the Makefiles', () => {
  it('runs no command: only the recipe asked for runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'make-shell-'))
    const log = join(dir, 'ran.log')
    const shell = join(dir, 'sh')
    writeFileSync(shell, `#!/bin/bash\necho "$*" >> ${log}\nexec /bin/bash "$@"\n`)
    chmodSync(shell, 0o755)
    make('help', `SHELL=${shell}`)
    const ran = readFileSync(log, 'utf8').trim().split('\n')
    assert.equal(ran.length, 1, `commands run while make read its files:\n${ran.join('\n')}`)
    assert.match(ran[0] ?? '', /help\.awk/)
  })
})

import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { it } from 'node:test'
import { stringify } from 'yaml'
import { platformObjects } from './fixtures'

const SNAPSHOT = join(__dirname, '__snapshots__', 'platform.yaml')

// Any change to the synthesized manifests shows up here as a diff to review; accept it with
// UPDATE_SNAPSHOTS=1 make test-platform. A missing snapshot fails: CI never writes one.
it('synthesizes the same manifests as the reviewed snapshot', () => {
  const actual = Object.entries(platformObjects())
    .map(
      ([chart, objects]) => `# chart: ${chart}\n${objects.map((o) => stringify(o)).join('---\n')}`,
    )
    .join('---\n')
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(join(__dirname, '__snapshots__'), { recursive: true })
    writeFileSync(SNAPSHOT, actual)
  }
  assert.ok(existsSync(SNAPSHOT), `no snapshot at ${SNAPSHOT}: run with UPDATE_SNAPSHOTS=1`)
  assert.equal(actual, readFileSync(SNAPSHOT, 'utf8'))
})

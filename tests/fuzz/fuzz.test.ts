// Every service fuzzed from its own OpenAPI document (schemathesis, bounded and seeded): no
// request, however malformed, gets a 5xx, and every JSON answer is one its route declares.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SERVICE_NAMES } from '@shopscope/system'
import { fuzz, PINNED_VERSION, summary } from './schemathesis'
import { startFuzzStack, type FuzzStack } from './stack'

const DECLARED = 'no server error, every answer as declared'
/** Every service (a new one fails here until the stack starts it), the frontend signed in and out. */
const SERVICES = {
  ...Object.fromEntries(
    SERVICE_NAMES.filter((name) => name !== 'frontend').map((name) => [name, DECLARED]),
  ),
  frontend: 'no server error on any page, signed in with a CSRF token',
  'frontend (signed out)': 'no server error on any page',
}

describe('API fuzzing', () => {
  let stack: FuzzStack
  before(async () => {
    stack = await startFuzzStack()
  })
  after(async () => stack?.close())

  for (const [name, promise] of Object.entries(SERVICES)) {
    it(`${name}: ${promise}`, { timeout: 180_000 }, async () => {
      const target = stack.targets.find((t) => t.name === name)
      assert.ok(target, `${name} was not started`)
      const run = await fuzz(target)
      console.log(summary(name, run))
      assert.equal(run.report.schemathesis_version, PINNED_VERSION, 'versions.env pin')
      assert.deepEqual(run.report.failures, [], run.output)
      assert.deepEqual(run.report.errors, [], run.output)
      assert.equal(run.exitCode, 0, run.output)
      assert.ok(run.report.operations.tested > 0, 'no operation was tested')
      assert.equal(run.report.operations.tested, run.report.operations.selected, run.output)
      // Had the token been refused, every authenticated operation would have stopped at 401.
      if (target.headers.authorization) {
        assert.deepEqual(run.report.warnings.missing_auth ?? [], [], 'the token was refused')
      }
      // Likewise for the pages: signed out, or a refused token, every form post is a 303 or 403.
      if (target.signedIn)
        assert.ok(await target.signedIn(), 'the session or its token was refused')
    })
  }
})

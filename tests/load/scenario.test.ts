// The Locust scenario and the TypeScript shoppers read one scenario.json: what the locustfile
// parsed (run by Locust's own Python, no target needed) is what dev/traffic/scenario.ts imports,
// and the locustfile's defaults are that data, not numbers of its own.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { ROOT } from '../../dev/local/stack'
import { scenario } from '../../dev/traffic/scenario'

const LOCUST = join(ROOT, '.tools/bin/locust')
const LOCUSTFILE = join(ROOT, 'dev/traffic/locustfile.py')

const READ_LOCUSTFILE = `
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("locustfile", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
print(json.dumps({
    "scenario": m.SCENARIO,
    "stages": m.Ramp.stages,
    "defaults": [m.SCALE, m.INVALID_JSON_SHARE, m.CHECKOUT_SHARE, m.THINK_SECONDS, m.P95_MS],
    "timeout": m.TIMEOUT_SECONDS,
}))
`

test("the locustfile's scenario is dev/traffic/scenario.json as TypeScript imports it", async () => {
  let python: string
  try {
    python = join(dirname(realpathSync(LOCUST)), 'python3')
  } catch {
    throw new Error(`Locust not found at ${LOCUST}: install it with \`make tool-locust\``)
  }
  // The targets are required but unused here; no LOAD_* override may hide the file's values.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('LOAD_')),
  )
  const { stdout } = await promisify(execFile)(python, ['-c', READ_LOCUSTFILE, LOCUSTFILE], {
    env: {
      ...env,
      FRONTEND_URL: 'http://127.0.0.1:9',
      PRODUCT_SERVICE_URL: 'http://127.0.0.1:9',
      // No __pycache__ left in dev/traffic by this import.
      PYTHONDONTWRITEBYTECODE: '1',
    },
  })
  const read = JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
    scenario: unknown
    stages: [number, number][]
    defaults: number[]
    timeout: number
  }
  assert.deepEqual(read.scenario, scenario)
  const { ramp, shopper, invalidJson, thresholds } = scenario
  assert.deepEqual(
    read.stages,
    ramp.stages.map((s) => [s.seconds * ramp.scale, s.users]),
  )
  assert.deepEqual(read.defaults, [
    ramp.scale,
    invalidJson.share,
    shopper.checkoutShare,
    shopper.thinkSeconds,
    thresholds.p95MsBelow,
  ])
  assert.equal(read.timeout, scenario.requestTimeoutSeconds)
})

/**
 * The Jaeger UI in Chromium, on the binary of `make tool-jaeger` with the in-box config (logs in
 * VictoriaLogs, `make tool-victorialogs`): a trace's page renders and its logs link opens
 * VictoriaLogs' UI on that trace's log. The link is the synthesized one, only its base moved to
 * the test's VictoriaLogs.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, it } from 'node:test'
import { JAEGER } from '@shopscope/system'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../harness/chromium'
import { KIND_LOGS_UI } from '../../cdk8s/src/charts/observability-chart'
import { JAEGER_UI_CONFIG_FILE } from '../../cdk8s/src/jaeger-ui-config'
import { freePort } from '../harness'
import { readObjects, synthPlatform } from '../../dev/cluster/render'
import { tool } from '../../dev/cluster/tools'
import { startJaeger, waitServing } from './jaeger-run'

const SCREENSHOT = resolve(__dirname, '../../test-results/jaeger-trace-logs.png')

// Just enough protobuf for one OTLP ExportLogsServiceRequest (VictoriaLogs takes no OTLP JSON).
function varint(value: number): Buffer {
  const bytes: number[] = []
  for (let v = value; ; v = Math.floor(v / 128)) {
    if (v < 128) return Buffer.from([...bytes, v])
    bytes.push((v % 128) | 128)
  }
}
const bytesField = (no: number, body: Buffer) =>
  Buffer.concat([varint((no << 3) | 2), varint(body.length), body])
const stringField = (no: number, text: string) => bytesField(no, Buffer.from(text))
function fixed64Field(no: number, value: bigint): Buffer {
  const body = Buffer.alloc(8)
  body.writeBigUInt64LE(value)
  return Buffer.concat([varint((no << 3) | 1), body])
}
const stringValue = (text: string) => stringField(1, text) // AnyValue.string_value
function otlpLog(service: string, traceId: string, spanId: string, body: string): Buffer {
  const record = Buffer.concat([
    fixed64Field(1, BigInt(Date.now()) * 1_000_000n), // time_unix_nano
    stringField(3, 'INFO'), // severity_text
    bytesField(5, stringValue(body)),
    bytesField(9, Buffer.from(traceId, 'hex')),
    bytesField(10, Buffer.from(spanId, 'hex')),
  ])
  const attribute = Buffer.concat([
    stringField(1, 'service.name'),
    bytesField(2, stringValue(service)),
  ])
  const resourceLogs = Buffer.concat([
    bytesField(1, bytesField(1, attribute)), // resource.attributes
    bytesField(2, bytesField(2, record)), // scope_logs.log_records
  ])
  return bytesField(1, resourceLogs)
}

let browser: Browser
before(async () => {
  browser = await launchChromium()
})
after(async () => browser?.close())

async function startVictoriaLogs(): Promise<string> {
  const port = await freePort()
  const data = mkdtempSync(join(tmpdir(), 'shopscope-vlogs-'))
  const child = spawn(
    tool('victoria-logs'),
    [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${data}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  let log = ''
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
  after(() => child.kill('SIGKILL'))
  const base = `http://127.0.0.1:${port}`
  await waitServing(
    'victoria-logs',
    `${base}/health`,
    () => child.exitCode,
    () => log,
  )
  return base
}

it("opens a trace in the Jaeger UI and its logs link shows that trace's log in VictoriaLogs", async () => {
  const objects = readObjects(synthPlatform('victorialogs').files)
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === JAEGER.name)!
  const logsBase = await startVictoriaLogs()
  // The synthesized link, pointed at this VictoriaLogs instead of the cluster's.
  const synthesized = configMap.data![JAEGER_UI_CONFIG_FILE]!
  assert.ok(
    synthesized.includes(KIND_LOGS_UI.victorialogs.url),
    'the in-box link is not to VictoriaLogs',
  )
  configMap.data![JAEGER_UI_CONFIG_FILE] = synthesized
    .split(KIND_LOGS_UI.victorialogs.url)
    .join(logsBase)
  const jaeger = await startJaeger(objects)

  const traceId = randomBytes(16).toString('hex')
  const spanId = randomBytes(8).toString('hex')
  const message = `jaeger-ui test log ${traceId.slice(0, 8)}`
  const now = BigInt(Date.now()) * 1_000_000n
  const span = {
    traceId,
    spanId,
    name: 'GET /products',
    kind: 2,
    startTimeUnixNano: String(now - 20_000_000n),
    endTimeUnixNano: String(now),
  }
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'frontend' } }] }
  const traces = await fetch(`${jaeger.otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ spans: [span] }] }] }),
  })
  assert.equal(traces.status, 200, await traces.text())
  const logs = await fetch(`${logsBase}/insert/opentelemetry/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: otlpLog('frontend', traceId, spanId, message),
  })
  assert.equal(logs.status, 200, await logs.text())
  // Another trace's log at the same time: the link must show this trace's only.
  const other = `jaeger-ui test log of another trace ${traceId.slice(0, 8)}`
  const otherTrace = randomBytes(16).toString('hex')
  const otherLogs = await fetch(`${logsBase}/insert/opentelemetry/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: otlpLog('frontend', otherTrace, randomBytes(8).toString('hex'), other),
  })
  assert.equal(otherLogs.status, 200, await otherLogs.text())
  // Both stores make what they took searchable within a few seconds.
  const logsOf = (trace: string) =>
    `${logsBase}/select/logsql/query?query=${encodeURIComponent(`trace_id:"${trace}"`)}`
  const searchable: [string, string, string][] = [
    ['the trace in Jaeger', `${jaeger.base}/api/traces/${traceId}`, spanId],
    ['its log in VictoriaLogs', logsOf(traceId), message],
    ["the other trace's log in VictoriaLogs", logsOf(otherTrace), other],
  ]
  for (const [what, url, expected] of searchable) {
    const deadline = Date.now() + 15_000
    while (!(await (await fetch(url)).text()).includes(expected)) {
      assert.ok(Date.now() < deadline, `${what}: not found in 15 s`)
      await new Promise((r) => setTimeout(r, 500))
    }
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await page.goto(`${jaeger.base}/trace/${traceId}`)
  await page.getByText('GET /products').first().waitFor({ timeout: 20_000 })
  const link = page.locator('a[title="Logs in VictoriaLogs"]')
  await link.waitFor({ timeout: 10_000 })
  mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true })
  await page.screenshot({ path: SCREENSHOT })
  const href = (await link.getAttribute('href'))!
  assert.ok(href.startsWith(`${logsBase}/select/vmui/#/?`), href)
  assert.ok(href.includes(traceId), href)

  const logsPage = await context.newPage()
  await logsPage.goto(href)
  await logsPage.getByText(message).first().waitFor({ timeout: 20_000 })
  assert.equal(await logsPage.getByText(other).count(), 0, "another trace's log is shown")
  await context.close()
})

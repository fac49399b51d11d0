// Every alert has a runbook in docs/runbooks/<Alert>.md, its runbook_url leads there wherever the
// rules are loaded, and every runbook belongs to an alert and says where to look and what to do.
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse } from 'yaml'
import { readInputs } from '../../cdk8s/src/inputs'
import { RUNBOOK_BASE_PLACEHOLDER, withRunbookBase } from '../../cdk8s/src/runbooks'
import { recorderRunbookBaseUrl, startAlertRecorder } from '../../dev/local/alert-recorder'
import { renderRules } from '../../dev/local/alert-config'
import { ROOT, RUNBOOKS_DIR, type Rule, loadDashboards, loadRuleFiles, readText } from './sources'

const alerts = loadRuleFiles().flatMap((file) => file.rules.filter((rule) => rule.alert))
const alertNames = new Set(alerts.map((rule) => rule.alert ?? ''))
const runbookFiles = readdirSync(RUNBOOKS_DIR).filter((f) => f.endsWith('.md') && f !== 'README.md')
const runbook = (file: string) => readText(join(RUNBOOKS_DIR, file))

/** The alerts of a rule file's text, with their runbook_url as that text has them. */
const alertsIn = (text: string): Rule[] =>
  (parse(text) as { groups: { rules: Rule[] }[] }).groups
    .flatMap((group) => group.rules)
    .filter((rule) => rule.alert)

it('every alert links to its own runbook under the placeholder base', () => {
  assert.ok(alerts.length > 0, 'no alert in alerts/')
  for (const rule of alerts) {
    assert.equal(rule.annotations?.runbook_url, `${RUNBOOK_BASE_PLACEHOLDER}/${rule.alert}.md`)
  }
})

it("with the platform's default base, every runbook_url is <base>/<Alert>.md of a file in docs/runbooks", () => {
  const { ruleFiles, runbookBaseUrl } = readInputs(ROOT, {})
  assert.match(runbookBaseUrl, /^https?:\/\/[^/]+\//)
  for (const [file, text] of Object.entries(ruleFiles)) {
    const rendered = withRunbookBase(text, runbookBaseUrl)
    assert.ok(!rendered.includes(RUNBOOK_BASE_PLACEHOLDER), `${file}: a placeholder left`)
    for (const rule of alertsIn(rendered)) {
      const url = rule.annotations?.runbook_url ?? ''
      assert.ok(url.startsWith(`${runbookBaseUrl}/`), `${rule.alert}: ${url}`)
      const target = url.slice(runbookBaseUrl.length + 1)
      assert.equal(target, `${rule.alert}.md`)
      assert.ok(existsSync(join(RUNBOOKS_DIR, target)), `${rule.alert}: no docs/runbooks/${target}`)
    }
  }
})

it('a base URL that is not absolute http(s) is refused, naming the variable', () => {
  for (const bad of ['', 'README.md#runbooks', 'docs/runbooks', 'file:///tmp/runbooks']) {
    assert.throws(
      () => withRunbookBase('x', bad),
      /RUNBOOK_BASE_URL must be an absolute http\(s\) URL/,
    )
  }
  assert.equal(
    withRunbookBase(`${RUNBOOK_BASE_PLACEHOLDER}/A.md`, 'https://h/r/'),
    'https://h/r/A.md',
  )
})

describe("the local stack's runbook links open the runbook", () => {
  let recorder: { port: number; stop: () => Promise<unknown> }
  before(async () => {
    recorder = await startAlertRecorder(0)
  })
  after(() => recorder.stop())

  it('every alert of the rules the local Prometheus loads', async () => {
    const base = recorderRunbookBaseUrl(`http://127.0.0.1:${recorder.port}`)
    for (const rule of alertsIn(renderRules(base))) {
      const url = rule.annotations?.runbook_url ?? ''
      const res = await fetch(url)
      assert.equal(res.status, 200, url)
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
      assert.equal(await res.text(), runbook(`${rule.alert}.md`))
    }
  })

  it("the recorder's page links a delivered alert's name to its runbook", async () => {
    const recorderUrl = `http://127.0.0.1:${recorder.port}`
    const runbookUrl = `${recorderRunbookBaseUrl(recorderUrl)}/HighErrorRate.md`
    const alert = {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', service_name: 'frontend' },
      annotations: { runbook_url: runbookUrl },
      startsAt: new Date().toISOString(),
    }
    const posted = await fetch(`${recorderUrl}/alerts/critical`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', alerts: [alert] }),
    })
    assert.equal(posted.status, 200)
    const page = await (await fetch(`${recorderUrl}/`)).text()
    assert.ok(page.includes(`<a href="${runbookUrl}"`), page)
  })

  it('and nothing outside docs/runbooks', async () => {
    const base = recorderRunbookBaseUrl(`http://127.0.0.1:${recorder.port}`)
    for (const path of ['NoSuchAlert.md', '..%2FREADME.md', '..%2F..%2Fpackage.json', 'x.ts']) {
      assert.equal((await fetch(`${base}/${path}`)).status, 404, path)
    }
  })
})

it('every runbook belongs to an alert: named after it, titled with its name', () => {
  assert.ok(runbookFiles.length > 0, 'no runbook in docs/runbooks')
  for (const file of runbookFiles) {
    const name = file.replace(/\.md$/, '')
    assert.ok(alertNames.has(name), `docs/runbooks/${file}: no alert ${name} in alerts/`)
    assert.equal(runbook(file).split('\n')[0], `# ${name}`, `docs/runbooks/${file}: title`)
  }
})

it('every runbook names a dashboard that exists, a Jaeger and a Loki query, and what to do', () => {
  const uids = new Set(loadDashboards().map((d) => d.uid))
  for (const file of runbookFiles) {
    const text = runbook(file)
    // The dashboards of its Dashboard item (other items may name other `shopscope-…` objects).
    const dashboardItem = /^- \*\*Dashboard:\*\*[^]*?(?=^- \*\*|$(?![^]))/m.exec(text)?.[0] ?? ''
    const named = [...dashboardItem.matchAll(/`(shopscope-[a-z-]+)`/g)].map((m) => m[1] ?? '')
    assert.ok(named.length > 0, `${file}: no dashboard uid`)
    for (const uid of named) assert.ok(uids.has(uid), `${file}: unknown dashboard ${uid}`)
    for (const field of ['**Means:**', '**Dashboard:**', '**Jaeger:**', '**Loki:**', '**Do:**']) {
      assert.ok(text.includes(field), `${file}: no ${field}`)
    }
  }
})

it('links between runbooks stay inside docs/runbooks and lead to a file there', () => {
  for (const file of ['README.md', ...runbookFiles]) {
    for (const [, target = ''] of runbook(file).matchAll(/\]\(([^)#]+\.md)(#[^)]*)?\)/g)) {
      if (/^https?:/.test(target)) continue
      assert.ok(!target.includes('/'), `${file}: ${target} is not served beside the runbooks`)
      assert.ok(existsSync(join(RUNBOOKS_DIR, target)), `${file}: ${target} does not exist`)
    }
  }
})

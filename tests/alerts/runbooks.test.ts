// Every alert has a runbook section, and its runbook_url points at that section.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RUNBOOKS_DOC, loadDashboards, loadRuleFiles, readText } from './sources'

const runbooks =
  readText(RUNBOOKS_DOC)
    .split(/^## Runbooks$/m)[1]
    ?.split(/^## /m)[0] ?? ''
const sections = new Map(
  runbooks
    .split(/^### /m)
    .slice(1)
    .map((section) => [section.split('\n')[0]?.trim().toLowerCase() ?? '', section]),
)
const alerts = loadRuleFiles().flatMap((file) => file.rules.filter((rule) => rule.alert))

test('every alert links to its own runbook section', () => {
  for (const rule of alerts) {
    const anchor = (rule.alert ?? '').toLowerCase()
    assert.equal(rule.annotations?.runbook_url, `README.md#${anchor}`)
    assert.ok(sections.has(anchor), `README.md has no runbook "### ${rule.alert}"`)
  }
})

test('every runbook names a dashboard that exists, a Jaeger and a Loki query, and what to do', () => {
  const uids = new Set(loadDashboards().map((d) => d.uid))
  for (const [anchor, section] of sections) {
    const named = [...section.matchAll(/`(shopscope-[a-z-]+)`/g)].map((m) => m[1] ?? '')
    assert.ok(named.length > 0, `${anchor}: no dashboard uid`)
    for (const uid of named) assert.ok(uids.has(uid), `${anchor}: unknown dashboard ${uid}`)
    for (const field of ['**Means:**', '**Jaeger:**', '**Loki:**', '**Do:**']) {
      assert.ok(section.includes(field), `${anchor}: no ${field}`)
    }
  }
})

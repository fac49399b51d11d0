// The local stack's Prometheus (`make prometheus`) serves its web UI: the release build embeds
// the UI's assets. Without them every UI page answers "Error opening React index.html".
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { launchChromium } from '../harness/chromium'
import { startDaemon, type Daemon } from './daemon'
import { BUILT_TOOLS_DIR, toolPath } from '../../dev/local/prometheus-tools'

// Written on every run (docs/img/prometheus-ui.png is a copy of one, for docs/local.md).
const SCREENSHOT = resolve(__dirname, '../../test-results/prometheus-ui.png')

describe('the Prometheus web UI', () => {
  let prometheus: Daemon
  before(async () => {
    const binary = toolPath('prometheus')
    assert.equal(binary, join(BUILT_TOOLS_DIR, 'prometheus3'), 'run `make prometheus` first')
    prometheus = await startDaemon('prometheus', (listen, dataDir) => {
      const config = join(dataDir, 'prometheus.yml')
      // Scrapes itself, so the UI has a series to graph.
      writeFileSync(
        config,
        'global:\n  scrape_interval: 1s\nscrape_configs:\n' +
          `  - job_name: prometheus\n    static_configs:\n      - targets: ['${listen}']\n`,
      )
      return [
        `--config.file=${config}`,
        `--storage.tsdb.path=${dataDir}`,
        `--web.listen-address=${listen}`,
      ]
    })
  })
  after(() => prometheus?.stop())

  it('redirects / to the query page', async () => {
    const res = await fetch(`${prometheus.url}/`, { redirect: 'manual' })
    assert.equal(res.status, 302)
    assert.equal(res.headers.get('location'), '/query')
  })

  it('serves the app: its page with the root element, and the script it loads', async () => {
    const page = await fetch(`${prometheus.url}/query`)
    const html = await page.text()
    assert.equal(page.status, 200, html)
    assert.match(html, /<div id="root"><\/div>/)
    assert.match(html, /<title>Prometheus Time Series Collection and Processing Server<\/title>/)
    const script = html.match(/<script type="module" crossorigin src="\.\/(assets\/[^"]+\.js)"/)
    assert.ok(script, `no module script in:\n${html}`)
    const js = await fetch(`${prometheus.url}/${script[1]}`)
    assert.equal(js.status, 200)
    assert.match(js.headers.get('content-type') ?? '', /javascript/)
    // The whole app (React, Mantine, CodeMirror with PromQL), not an error page.
    assert.ok((await js.arrayBuffer()).byteLength > 500_000)
  })

  it('renders in Chromium: a PromQL query graphed from the query page', async () => {
    const browser = await launchChromium()
    try {
      // Until the first self-scrape lands the graph would show "Empty query result".
      for (let i = 0; i < 60; i++) {
        const api = await fetch(`${prometheus.url}/api/v1/query?query=prometheus_tsdb_head_series`)
        const body = (await api.json()) as { data: { result: unknown[] } }
        if (body.data.result.length > 0) break
        await new Promise((r) => setTimeout(r, 500))
      }
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
      const query = encodeURIComponent('prometheus_tsdb_head_series')
      await page.goto(`${prometheus.url}/query?g0.expr=${query}&g0.tab=graph&g0.range_input=5m`)
      // The React app replaced the empty root: the query editor (CodeMirror) holds the query.
      await page.locator('.cm-content').first().waitFor({ timeout: 30_000 })
      assert.match(
        await page.locator('.cm-content').first().innerText(),
        /prometheus_tsdb_head_series/,
      )
      // The graph (uPlot) of the series Prometheus scraped from itself.
      await page.locator('.uplot canvas').first().waitFor({ timeout: 30_000 })
      await page.waitForTimeout(1_000)
      mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true })
      await page.screenshot({ path: SCREENSHOT })
      assert.equal(await page.title(), 'Prometheus Time Series Collection and Processing Server')
    } finally {
      await browser.close()
    }
  })
})

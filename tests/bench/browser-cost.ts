/**
 * What the browser telemetry costs a page: the bundle's size (raw, gzip) and the page's load
 * time in Chromium with and without the script, medians of RUNS loads each, with a cold cache
 * (a new browser context per load) and a warm one (the same page loaded again). Prints numbers;
 * it checks nothing. `make bench-browser` (docs/benchmark.md).
 *
 * The frontend runs as in production (its own process, the telemetry bootstrap, every page
 * sampled, so the browser SDK does all its work: document load spans and their export). The page
 * is /login, which calls no other service. "Without" is the same page with its script tag taken
 * out by Chromium's request interception, which both variants go through.
 */
import { existsSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { dependencyUrlEnv } from '@shopscope/system'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../harness/chromium'
import { BUNDLE_PATH } from '../../services/frontend/src/browser-telemetry'
import { startOtlpReceiver } from '../telemetry/otlp-receiver'
import { FAST_EXPORT_ENV, stagedBootstrap, startServiceProcess } from '../telemetry/service-process'

const RUNS = Number(process.env.RUNS ?? 9)
const SCRIPT_TAG = /<script src="\/static\/telemetry\.js[^"]*" defer><\/script>/

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

interface Timing {
  domContentLoaded: number
  load: number
}

async function loadTimes(browser: Browser, url: string, withScript: boolean) {
  const context = await browser.newContext()
  await context.route(`${url}`, async (route) => {
    const response = await route.fetch()
    const body = await response.text()
    if (withScript && !SCRIPT_TAG.test(body)) throw new Error('the page has no telemetry script')
    await route.fulfill({ response, body: withScript ? body : body.replace(SCRIPT_TAG, '') })
  })
  const page = await context.newPage()
  const timing = async (): Promise<Timing> => {
    await page.goto(url, { waitUntil: 'load' })
    // Runs in the page; the tests' TypeScript has no DOM types, hence the string.
    return page.evaluate<Timing>(`(() => {
      const nav = performance.getEntriesByType('navigation')[0]
      return { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd }
    })()`)
  }
  const cold = await timing()
  const warm = await timing()
  await context.close()
  return { cold, warm }
}

async function main() {
  if (!existsSync(BUNDLE_PATH)) throw new Error(`${BUNDLE_PATH} is missing: make build`)
  const bundle = readFileSync(BUNDLE_PATH)
  const otlp = await startOtlpReceiver()
  const nowhere = 'http://127.0.0.1:9'
  const frontend = await startServiceProcess('frontend', {
    requires: [stagedBootstrap()],
    env: {
      ...FAST_EXPORT_ENV,
      OTEL_SERVICE_NAME: 'frontend',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      OTEL_TRACES_SAMPLER: 'always_on',
      ...dependencyUrlEnv('frontend', () => nowhere),
    },
  })
  const browser = await launchChromium()
  try {
    const url = `${frontend.url}/login`
    const results: Record<string, Timing[]> = {}
    // Alternating, so a slower minute of the machine weighs on both alike.
    for (let run = 0; run < RUNS; run++) {
      for (const withScript of [false, true]) {
        const { cold, warm } = await loadTimes(browser, url, withScript)
        ;(results[`${withScript ? 'with' : 'without'} SDK, cold`] ??= []).push(cold)
        ;(results[`${withScript ? 'with' : 'without'} SDK, warm`] ??= []).push(warm)
      }
    }
    console.log(
      `bundle: ${BUNDLE_PATH}\n  ${(bundle.length / 1024).toFixed(1)} KiB raw, ` +
        `${(gzipSync(bundle, { level: 9 }).length / 1024).toFixed(1)} KiB gzip`,
    )
    console.log(`page load of ${url}, median of ${RUNS} (ms since navigation start):`)
    console.log('| variant | DOMContentLoaded | load |\n| --- | --- | --- |')
    for (const [name, timings] of Object.entries(results).sort()) {
      const dcl = median(timings.map((t) => t.domContentLoaded)).toFixed(1)
      const load = median(timings.map((t) => t.load)).toFixed(1)
      console.log(`| ${name} | ${dcl} | ${load} |`)
    }
  } finally {
    await browser.close()
    await frontend.stop()
    await otlp.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})

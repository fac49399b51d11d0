// The one way the tests and the browser benchmark start Chromium: Debian's package, headless, with
// nothing of its own going out on the network (updates, sync, QUIC): the traffic rule.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A headless Chromium; a clear error, not a skipped test, where the package is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (make deps-system)`)
  }
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
}

// The rule file and Alertmanager config with test timings: the local stack and the tests use
// these instead of editing copies by hand, so the production files stay the only source.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { withRunbookBase } from '../../cdk8s/src/runbooks'

export const ALERTS_DIR = join(REPO_ROOT, 'alerts')
export const ALERTMANAGER_CONFIG = join(ALERTS_DIR, 'alertmanager.yaml')
const readText = (path: string) => readFileSync(path, 'utf8')

/** The base every webhook URL of alerts/alertmanager.yaml starts with. */
export const RECEIVER_PLACEHOLDER_BASE = 'http://alert-receiver.invalid:9095'

export interface AlertmanagerTimings {
  groupWait?: string
  groupInterval?: string
  repeatInterval?: string
}

/** alerts/alertmanager.yaml with the receivers at `receiverBaseUrl` (…/alerts/critical|warning). */
export function renderAlertmanagerConfig(
  receiverBaseUrl: string,
  timings: AlertmanagerTimings = {},
): string {
  let config = readText(ALERTMANAGER_CONFIG).replaceAll(
    RECEIVER_PLACEHOLDER_BASE,
    receiverBaseUrl.replace(/\/$/, ''),
  )
  const replacements: [string, string | undefined][] = [
    ['group_wait', timings.groupWait],
    ['group_interval', timings.groupInterval],
    ['repeat_interval', timings.repeatInterval],
  ]
  for (const [key, value] of replacements) {
    if (value) config = config.replace(new RegExp(`^(\\s*${key}:) \\S+$`, 'gm'), `$1 ${value}`)
  }
  return config
}

/**
 * alerts/shopscope.rules.yaml with each runbook_url under `runbookBaseUrl` and every `for` set to
 * `forDuration` (e.g. '15s').
 */
export function renderRules(runbookBaseUrl: string, forDuration?: string): string {
  const rules = withRunbookBase(readText(join(ALERTS_DIR, 'shopscope.rules.yaml')), runbookBaseUrl)
  return forDuration ? rules.replace(/^(\s+for:) \S+$/gm, `$1 ${forDuration}`) : rules
}

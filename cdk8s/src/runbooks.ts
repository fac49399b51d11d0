import { NODE_PORTS } from '@shopscope/system'
import { parse } from 'yaml'

/**
 * What alerts/*.rules.yaml write before each runbook's file name (`${RUNBOOK_BASE_URL}/<Alert>.md`):
 * whoever loads the rules puts the base URL of the docs/runbooks/ its users can open in its
 * place, so the link works in Prometheus, Alertmanager, Grafana and the alert receivers. The rule
 * file cannot hold a real URL: where the runbooks are served is known only at install.
 */
export const RUNBOOK_BASE_PLACEHOLDER = '${RUNBOOK_BASE_URL}'

/** The path under which the kind cluster and the local stack serve docs/runbooks/. */
export const RUNBOOKS_PATH = '/runbooks'

/** An absolute http(s) URL without a trailing slash, or a clear error naming the variable. */
export function parseRunbookBaseUrl(value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
    throw new Error(`RUNBOOK_BASE_URL must be an absolute http(s) URL, got '${value}'`)
  }
  return value.replace(/\/+$/, '')
}

/** A rule file's text with every runbook_url made absolute under `baseUrl`. */
export function withRunbookBase(ruleFileText: string, baseUrl: string): string {
  return ruleFileText.replaceAll(RUNBOOK_BASE_PLACEHOLDER, parseRunbookBaseUrl(baseUrl))
}

/**
 * The kind cluster's runbooks: the port of this machine kind-config.yaml maps to
 * NODE_PORTS.runbooks (the one place that port is written), then RUNBOOKS_PATH.
 */
export function kindRunbookBaseUrl(kindConfigYaml: string): string {
  const config = parse(kindConfigYaml) as {
    nodes?: { extraPortMappings?: { containerPort: number; hostPort: number }[] }[]
  }
  const mapping = (config.nodes ?? [])
    .flatMap((node) => node.extraPortMappings ?? [])
    .find((m) => m.containerPort === NODE_PORTS.runbooks)
  if (mapping === undefined) {
    throw new Error(
      `kind-config.yaml maps no port of this machine to node port ${NODE_PORTS.runbooks}`,
    )
  }
  return `http://localhost:${mapping.hostPort}${RUNBOOKS_PATH}`
}

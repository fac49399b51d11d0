import type { AlertmanagerConfig } from '../k8s-types'

/**
 * Converts an Alertmanager configuration file (route, receivers, inhibit_rules: the format the
 * local Alertmanager loads) into an AlertmanagerConfig spec, so both run the same routing.
 */
type Spec = NonNullable<AlertmanagerConfig['spec']>
type Route = NonNullable<Spec['route']>
type Receiver = NonNullable<Spec['receivers']>[number]
type InhibitRule = NonNullable<Spec['inhibitRules']>[number]
type Matcher = { name: string; value: string; matchType: '=' | '!=' | '=~' | '!~' }

export interface AlertmanagerFile {
  route?: FileRoute
  receivers?: FileReceiver[]
  inhibit_rules?: FileInhibitRule[]
}
interface FileRoute {
  receiver?: string
  group_by?: string[]
  group_wait?: string
  group_interval?: string
  repeat_interval?: string
  continue?: boolean
  matchers?: string[]
  match?: Record<string, string>
  match_re?: Record<string, string>
  routes?: FileRoute[]
}
interface FileReceiver {
  name: string
  webhook_configs?: { url: string; send_resolved?: boolean; max_alerts?: number }[]
  [other: string]: unknown
}
interface FileInhibitRule {
  source_matchers?: string[]
  target_matchers?: string[]
  source_match?: Record<string, string>
  target_match?: Record<string, string>
  equal?: string[]
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|(.*?))\s*$/

/** `severity="critical"`, `alertname=~"A|B"`, `team!=ops` → a structured matcher. */
export function parseMatcher(text: string): Matcher {
  const match = MATCHER.exec(text)
  if (!match) throw new Error(`alertmanager config: cannot parse matcher ${JSON.stringify(text)}`)
  const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : (match[4] ?? '')
  return { name: match[1] as string, matchType: match[2] as Matcher['matchType'], value }
}

function matchers(
  list: string[] | undefined,
  equal: Record<string, string> | undefined,
  regex?: Record<string, string>,
): Matcher[] | undefined {
  const all = [
    ...(list ?? []).map(parseMatcher),
    ...Object.entries(equal ?? {}).map(([name, value]) => ({
      name,
      value,
      matchType: '=' as const,
    })),
    ...Object.entries(regex ?? {}).map(([name, value]) => ({
      name,
      value,
      matchType: '=~' as const,
    })),
  ]
  return all.length > 0 ? all : undefined
}

function route(file: FileRoute): Route {
  return {
    receiver: file.receiver,
    groupBy: file.group_by,
    groupWait: file.group_wait,
    groupInterval: file.group_interval,
    repeatInterval: file.repeat_interval,
    continue: file.continue,
    matchers: matchers(file.matchers, file.match, file.match_re),
    // The CRD types child routes loosely (JSON); they have the same shape as the root.
    routes: file.routes?.map((child) => route(child) as never),
  }
}

function receiver(file: FileReceiver, urlRewrite: (url: string) => string): Receiver {
  const unsupported = Object.keys(file).filter((key) => key !== 'name' && key !== 'webhook_configs')
  if (unsupported.length > 0) {
    throw new Error(`alertmanager config: receiver ${file.name} uses ${unsupported.join(', ')}`)
  }
  return {
    name: file.name,
    webhookConfigs: file.webhook_configs?.map((hook) => ({
      url: urlRewrite(hook.url),
      sendResolved: hook.send_resolved,
      maxAlerts: hook.max_alerts,
    })),
  }
}

function inhibitRule(file: FileInhibitRule): InhibitRule {
  return {
    sourceMatch: matchers(file.source_matchers, file.source_match),
    targetMatch: matchers(file.target_matchers, file.target_match),
    equal: file.equal,
  }
}

export function toAlertmanagerConfigSpec(
  file: AlertmanagerFile,
  urlRewrite: (url: string) => string,
): Spec {
  if (!file.route || !file.receivers) throw new Error('alertmanager config: no route or receivers')
  return {
    route: route(file.route),
    receivers: file.receivers.map((r) => receiver(r, urlRewrite)),
    inhibitRules: file.inhibit_rules?.map(inhibitRule),
  }
}

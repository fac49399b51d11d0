import { Construct } from 'constructs'
import { parse } from 'yaml'
import { manifest } from '../api'
import type { PrometheusRule } from '../k8s-types'
import { withRunbookBase } from '../runbooks'

export interface PrometheusRulesProps {
  readonly namespace: string
  /** File name (e.g. `shopscope.rules.yaml`) → Prometheus rule file text. */
  readonly ruleFiles: Record<string, string>
  /** Labels kube-prometheus-stack's ruleSelector matches. */
  readonly labels: Record<string, string>
  /** Replaces the rule files' runbook placeholder: each runbook_url becomes an absolute link. */
  readonly runbookBaseUrl: string
}

type RuleGroups = NonNullable<PrometheusRule['spec']>['groups']

/**
 * One PrometheusRule per rule file: its `groups` as they are (the same file the local stack
 * loads), their runbook_url under `runbookBaseUrl`.
 */
export class PrometheusRules extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusRulesProps) {
    super(scope, id)
    for (const [file, text] of Object.entries(props.ruleFiles)) {
      const parsed = parse(withRunbookBase(text, props.runbookBaseUrl)) as {
        groups?: RuleGroups
      } | null
      if (!parsed || !Array.isArray(parsed.groups) || parsed.groups.length === 0) {
        throw new Error(`${file}: not a Prometheus rule file (no groups)`)
      }
      const name = file
        .replace(/\.rules\.ya?ml$/, '')
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
      manifest(this, file, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name, namespace: props.namespace, labels: props.labels },
        spec: { groups: parsed.groups },
      })
    }
  }
}

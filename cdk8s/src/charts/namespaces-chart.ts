import { NAMESPACES } from '@shopscope/system'
import { Chart } from 'cdk8s'
import type { Construct } from 'constructs'
import { Namespaces } from '../constructs/namespaces'

/** Applied first: every other chart and Helm release installs into these namespaces. */
export class NamespacesChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id)
    new Namespaces(this, 'restricted', { names: [NAMESPACES.shop], podSecurity: 'restricted' })
    new Namespaces(this, 'baseline', { names: [NAMESPACES.operator], podSecurity: 'baseline' })
    // kube-prometheus-stack's node-exporter needs the host's network, PID namespace and paths.
    new Namespaces(this, 'privileged', {
      names: [NAMESPACES.observability],
      podSecurity: 'privileged',
    })
  }
}

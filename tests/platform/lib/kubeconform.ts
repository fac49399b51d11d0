import { join } from 'node:path'
import { KUBERNETES_VERSION } from '../../../dev/cluster/render'
import { SCHEMA_LOCATION_TEMPLATE, schemaDir } from './schemas'
import { tool } from '../../../dev/cluster/tools'
import { type Result, runSync } from '../../../dev/cluster/run'

/**
 * kubeconform -strict against our generated schemas only: no other schema location, and no
 * -ignore-missing-schemas, so a kind without a schema is an error too.
 */
export function kubeconform(files: string[]): Result {
  return runSync(tool('kubeconform'), [
    '-strict',
    '-summary',
    '-output',
    'text',
    '-kubernetes-version',
    KUBERNETES_VERSION,
    '-schema-location',
    join(schemaDir(), SCHEMA_LOCATION_TEMPLATE),
    ...files,
  ])
}

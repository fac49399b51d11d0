import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { readVersions } from './versions'

/** Everything the platform is built from that lives outside cdk8s/src. */
export interface PlatformInputs {
  /** versions.env, parsed. */
  readonly versions: Record<string, string>
  /** cdk8s/collector/config.yaml (the collector engineer's pipeline). */
  readonly collectorConfig: string
  /** dashboards/*.json: file name → text. */
  readonly dashboards: Record<string, string>
  /** alerts/*.rules.yaml: file name → text. */
  readonly ruleFiles: Record<string, string>
  /** alerts/alertmanager.yaml. */
  readonly alertmanagerFile: string
  /** tests/load/locustfile.py, the Locust scenario; without it there is no load-test chart. */
  readonly loadTestScript?: string
}

export const REPO_ROOT = join(__dirname, '..', '..')

function filesIn(dir: string, suffix: RegExp): Record<string, string> {
  if (!existsSync(dir)) return {}
  const files: Record<string, string> = {}
  for (const name of readdirSync(dir)
    .filter((file) => suffix.test(file))
    .sort()) {
    files[name] = readFileSync(join(dir, name), 'utf8')
  }
  return files
}

function required(path: string): string {
  if (!existsSync(path)) throw new Error(`platform input missing: ${path}`)
  return readFileSync(path, 'utf8')
}

export function readInputs(root = REPO_ROOT): PlatformInputs {
  return {
    versions: readVersions(join(root, 'versions.env')),
    collectorConfig: required(join(root, 'cdk8s', 'collector', 'config.yaml')),
    dashboards: filesIn(join(root, 'dashboards'), /\.json$/),
    ruleFiles: filesIn(join(root, 'alerts'), /\.rules\.ya?ml$/),
    alertmanagerFile: required(join(root, 'alerts', 'alertmanager.yaml')),
    loadTestScript: required(join(root, 'tests', 'load', 'locustfile.py')),
  }
}

// The pinned tools of .tools/bin that the platform's checks run (run.ts runs them).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'

export const CHART_DIR = join(REPO_ROOT, 'charts', 'shopscope')

/**
 * Path of a pinned tool in .tools/bin (`make tools`; jaeger: `make tool-jaeger`). A missing tool
 * is a failure naming the fix, never a skipped check.
 */
export function tool(name: 'helm' | 'kubeconform' | 'jaeger' | 'victoria-logs'): string {
  const path = join(REPO_ROOT, '.tools', 'bin', name)
  const target = name === 'victoria-logs' ? 'victorialogs' : name
  if (!existsSync(path))
    throw new Error(`${name} is missing: run \`make tool-${target}\` (installs ${path})`)
  return path
}

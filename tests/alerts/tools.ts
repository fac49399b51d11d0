// The Prometheus and Alertmanager binaries the checks run. A missing one fails with the fix.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** Env variable overriding the binary, and the names to look for on PATH (Debian first). */
const TOOLS = {
  promtool: { env: 'PROMTOOL', names: ['promtool'] },
  amtool: { env: 'AMTOOL', names: ['amtool'] },
  prometheus: { env: 'PROMETHEUS', names: ['prometheus'] },
  alertmanager: { env: 'ALERTMANAGER', names: ['prometheus-alertmanager', 'alertmanager'] },
} as const

export type ToolName = keyof typeof TOOLS

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function toolPath(tool: ToolName): string {
  const { env, names } = TOOLS[tool]
  const override = process.env[env]
  if (override) return override
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      if (isExecutable(join(dir, name))) return join(dir, name)
    }
  }
  throw new Error(
    `${tool} not found on PATH (looked for ${names.join(', ')}; or set ${env}). ` +
      'Install it with `make deps-system` (Debian packages prometheus, prometheus-alertmanager).',
  )
}

export interface ToolResult {
  status: number | null
  output: string
}

export function runTool(tool: ToolName, args: string[]): ToolResult {
  const result = spawnSync(toolPath(tool), args, { encoding: 'utf8', timeout: 60_000 })
  if (result.error) throw result.error
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

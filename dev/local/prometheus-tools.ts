// The Prometheus and Alertmanager binaries the local stack and the checks run. A missing one
// fails with the fix.
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'

/**
 * Env variable overriding the binary, the build `make prometheus` links into .tools/bin (the
 * release the cluster runs, preferred: the rules are checked by the release that runs them), and
 * the names to look for on PATH (Debian's packages).
 */
const TOOLS = {
  promtool: { env: 'PROMTOOL', built: 'promtool', names: ['promtool'] },
  amtool: { env: 'AMTOOL', built: undefined, names: ['amtool'] },
  prometheus: { env: 'PROMETHEUS', built: 'prometheus3', names: ['prometheus'] },
  alertmanager: {
    env: 'ALERTMANAGER',
    built: undefined,
    names: ['prometheus-alertmanager', 'alertmanager'],
  },
} as const

/** Where `make prometheus` links the Prometheus release the cluster runs. */
export const BUILT_TOOLS_DIR = join(REPO_ROOT, '.tools', 'bin')

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
  const { env, built, names } = TOOLS[tool]
  const override = process.env[env]
  if (override) return override
  if (built && isExecutable(join(BUILT_TOOLS_DIR, built))) return join(BUILT_TOOLS_DIR, built)
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      if (isExecutable(join(dir, name))) return join(dir, name)
    }
  }
  throw new Error(
    `${tool} not found on PATH (looked for ${names.join(', ')}; or set ${env}). ` +
      "Build it with `make prometheus`, or install Debian's with `make deps-system`.",
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

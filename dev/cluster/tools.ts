// The pinned tools of .tools/bin and how the platform's checks and scripts run them.
import { spawnSync } from 'node:child_process'
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

export interface RunResult {
  status: number
  stdout: string
  stderr: string
}

/** Runs a command to completion; never throws on a non-zero exit (callers assert on it). */
export function run(command: string, args: string[], input?: string): RunResult {
  const result = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.error) throw result.error
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

/** Like run, but a non-zero exit throws with the command's output. */
export function runOk(command: string, args: string[], input?: string): string {
  const result = run(command, args, input)
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.status}\n${result.stderr}${result.stdout}`,
    )
  }
  return result.stdout
}

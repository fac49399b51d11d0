import { spawn, spawnSync } from 'node:child_process'

/** What a command printed and how it ended (`code` null: ended by a signal). */
export type Result = { code: number | null; stdout: string; stderr: string }

/** Runs a command to its end and keeps what it printed; `input` goes to its stdin. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  input = '',
): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    // A command that exits without reading its input must not fail the caller with EPIPE.
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

/** Like run, but a non-zero exit throws with the command's output. */
export async function runOk(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  input = '',
): Promise<string> {
  return ok(command, args, await run(command, args, env, input))
}

/** run for the synchronous callers (checks that render charts); never throws on an exit code. */
export function runSync(command: string, args: string[], input?: string): Result {
  const result = spawnSync(command, args, { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.error) throw result.error
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** runSync, but a non-zero exit throws with the command's output. */
export function runSyncOk(command: string, args: string[], input?: string): string {
  return ok(command, args, runSync(command, args, input))
}

function ok(command: string, args: string[], result: Result): string {
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}\n${result.stderr}${result.stdout}`,
    )
  }
  return result.stdout
}

/** Runs a command with this process's terminal (progress a person reads); throws on failure. */
export function runInherit(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: 'inherit' })
    child.on('error', reject)
    child.on('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}`)),
    )
  })
}

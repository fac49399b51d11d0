import { spawn } from 'node:child_process'

export type Result = { code: number | null; stdout: string; stderr: string }

/** Runs a command to its end and keeps what it printed; `input` goes to its stdin. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
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

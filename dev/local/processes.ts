/**
 * Detached processes whose pid and command live in the stack's state file, so `make local-down`
 * (another process, later) can stop them and a test can kill and restart one service.
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'

export interface ProcessSpec {
  command: string
  args: string[]
  env: Record<string, string>
  cwd?: string
  /** Answers 2xx once the process is ready. */
  readyUrl: string
  log: string
}

export interface RunningProcess {
  pid: number
  spec: ProcessSpec
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export function spawnDetached(spec: ProcessSpec): RunningProcess {
  const log = openSync(spec.log, 'a')
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    detached: true,
    stdio: ['ignore', log, log],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...spec.env },
  })
  closeSync(log)
  child.unref()
  if (child.pid === undefined) throw new Error(`could not start ${spec.command}`)
  return { pid: child.pid, spec }
}

export async function waitUntilReady(name: string, proc: RunningProcess, timeoutMs = 60_000) {
  await pollUntilReady(
    name,
    proc.spec.readyUrl,
    () => isAlive(proc.pid),
    timeoutMs,
    (ended) => (ended ? `${proc.spec.log} ends with:\n${logTail(proc)}` : `see ${proc.spec.log}`),
  )
}

/**
 * Polls `readyUrl` until it answers 2xx; fails when the process ends first or after `timeoutMs`,
 * with what `output` says of it (`ended`: it exited).
 */
export async function pollUntilReady(
  name: string,
  readyUrl: string,
  alive: () => boolean,
  timeoutMs: number,
  output: (ended: boolean) => string,
) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (!alive()) throw new Error(`${name} exited during start; ${output(true)}`)
    const ok = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) }).then(
      (res) => res.ok,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline) {
      throw new Error(`${name} not ready after ${timeoutMs} ms (${readyUrl}); ${output(false)}`)
    }
    await sleep(100)
  }
}

/** The last lines of a process's log: a CI run keeps only what the error message says. */
function logTail(proc: RunningProcess, lines = 20): string {
  try {
    return readFileSync(proc.spec.log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`
  }
}

/** SIGTERM (or `signal`) to the process group, SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopProcess(
  pid: number,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 10_000,
) {
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig)
    } catch {
      try {
        process.kill(pid, sig)
      } catch {
        // already gone
      }
    }
  }
  send(signal)
  const deadline = Date.now() + graceMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) send('SIGKILL')
    await sleep(50)
  }
}

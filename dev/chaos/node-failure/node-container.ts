// A kind node is a container: stopping it is a whole machine lost (kubelet, containerd, every
// pod on it, its local volumes), starting it brings the same machine back. The engine is the one
// cluster up chose (dev/cluster/kind.ts); podman's state is scripts/cluster/kind/env.sh's.
import { spawnSync } from 'node:child_process'
import { type Engine, engine, withEngine } from '../../cluster/kind'
import { run, type Result } from '../../cluster/run'

export type Runtime = Engine

/** NODE_RUNTIME when set, else the engine of cluster up. */
export async function detectRuntime(): Promise<Runtime> {
  const chosen = process.env.NODE_RUNTIME
  if (chosen === 'docker' || chosen === 'podman') return chosen
  if (chosen) throw new Error(`NODE_RUNTIME=${chosen}: docker or podman`)
  return engine()
}

/** The runtime's command line: podman through env.sh, so it sees kind's containers. */
const command = (runtime: Runtime, args: string[]) => withEngine(runtime, runtime, args)

async function runtimeRun(runtime: Runtime, args: string[]): Promise<Result> {
  const [cmd, argv] = command(runtime, args)
  return run(cmd, argv, process.env)
}

async function ok(runtime: Runtime, args: string[]): Promise<string> {
  const result = await runtimeRun(runtime, args)
  if (result.code !== 0)
    throw new Error(`${runtime} ${args.join(' ')}: ${result.stderr.trim() || result.code}`)
  return result.stdout.trim()
}

/** Whether the node's container is running (also checks the runtime sees it at all). */
export async function containerRunning(runtime: Runtime, name: string): Promise<boolean> {
  return (await ok(runtime, ['inspect', '--format', '{{.State.Running}}', name])) === 'true'
}

export const stopContainer = (runtime: Runtime, name: string) => ok(runtime, ['stop', name])
export const startContainer = (runtime: Runtime, name: string) => ok(runtime, ['start', name])

/** For an exit in the middle of the run (a signal): start it again before the process ends. */
export function startContainerNow(runtime: Runtime, name: string): boolean {
  const [cmd, argv] = command(runtime, ['start', name])
  return spawnSync(cmd, argv, { stdio: 'inherit' }).status === 0
}

// A kind node is a container: stopping it is a whole machine lost (kubelet, containerd, every
// pod on it, its local volumes), starting it brings the same machine back. Docker where its
// daemon answers, else podman with the state of scripts/cluster/kind/env.sh (its storage and
// containers.conf), the one place that names them; scripts/cluster/lib.sh makes that choice.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { run, type Result } from '../../cluster/run'

const KIND_ENV = join(REPO_ROOT, 'scripts', 'cluster', 'kind', 'env.sh')

export type Runtime = 'docker' | 'podman'

export async function detectRuntime(): Promise<Runtime> {
  const chosen = process.env.NODE_RUNTIME
  if (chosen === 'docker' || chosen === 'podman') return chosen
  if (chosen) throw new Error(`NODE_RUNTIME=${chosen}: docker or podman`)
  // The engine make cluster-up chose: scripts/cluster/lib.sh decides, in one place.
  const lib = join(REPO_ROOT, 'scripts', 'cluster', 'lib.sh')
  const engine = await run(
    'bash',
    ['-c', `. "${lib}" >/dev/null && echo "$KIND_ENGINE"`],
    process.env,
  )
  const name = engine.stdout.trim()
  if (engine.code !== 0 || (name !== 'docker' && name !== 'podman'))
    throw new Error(`scripts/cluster/lib.sh named no engine: ${engine.stderr.trim() || name}`)
  return name
}

/** The runtime's command line: podman through env.sh, so it sees kind's containers. */
function command(runtime: Runtime, args: string[]): [string, string[]] {
  if (runtime === 'docker') return ['docker', args]
  return ['bash', ['-c', `. "${KIND_ENV}" && exec podman "$@"`, 'podman', ...args]]
}

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

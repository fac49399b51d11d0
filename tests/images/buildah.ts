/**
 * The images `make images` builds, inspected and run with buildah (chroot isolation: no daemon,
 * the host's network), so tests exercise the very files the cluster would run.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'

export const IMAGE = (name: string) => `localhost/shopscope/${name}:local`

const buildah = (...args: string[]) =>
  execFileSync('buildah', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()

export interface ImageConfig {
  User?: string
  Cmd?: string[]
  Entrypoint?: string[]
  WorkingDir?: string
  Env?: string[]
}

/** The OCI config of a built image; fails clearly when `make images` has not built it. */
export function imageConfig(name: string): ImageConfig {
  let inspected: string
  try {
    inspected = buildah('inspect', '--type', 'image', IMAGE(name))
  } catch {
    throw new Error(`${IMAGE(name)} is not built: run 'make images'`)
  }
  return (JSON.parse(inspected) as { OCIv1: { config: ImageConfig } }).OCIv1.config
}

export interface Container {
  /** Runs a command to completion (as the image's user); its stdout. */
  exec(command: string[], options?: { volumes?: string[] }): string
  /** Starts a long-running command, like a pod's container. */
  start(
    command: string[],
    options: { env: Record<string, string>; volumes?: string[] },
  ): ChildProcess
  remove(): void
}

const runArgs = (
  user: string | undefined,
  volumes: string[] = [],
  env: Record<string, string> = {},
) => [
  'run',
  '--isolation',
  'chroot',
  // buildah run does not apply the image's USER by itself: pass it, as a kubelet would.
  ...(user ? ['--user', user] : []),
  ...volumes.flatMap((v) => ['--volume', v]),
  ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
]

export function container(name: string): Container {
  const { User } = imageConfig(name)
  const id = buildah('from', '--quiet', IMAGE(name))
  return {
    exec: (command, options = {}) =>
      buildah(...runArgs(User, options.volumes), id, '--', ...command),
    start: (command, options) =>
      spawn('buildah', [...runArgs(User, options.volumes, options.env), id, '--', ...command], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    remove: () => void buildah('rm', id),
  }
}

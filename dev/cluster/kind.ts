// The kind cluster of kind-config.yaml as every cluster command sees it: its name and context,
// where its node ports answer on this machine, and the container engine its nodes run on.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { parse } from 'yaml'

type KindConfig = {
  name: string
  nodes: {
    extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[]
  }[]
}
const KIND_CONFIG = parse(readFileSync(join(REPO_ROOT, 'kind-config.yaml'), 'utf8')) as KindConfig

/** The cluster's name (its nodes are `<name>-…`) and kind's kubeconfig context for it. */
export const CLUSTER = KIND_CONFIG.name
export const CONTEXT = `kind-${CLUSTER}`

/**
 * http://127.0.0.1:<host port>: a NodePort as this machine reaches it, through the port mapping
 * kind-config.yaml gives it (the traffic rule: load and faults reach the cluster on loopback).
 */
export function nodeUrl(nodePort: number): string {
  const mapping = KIND_CONFIG.nodes
    .flatMap((n) => n.extraPortMappings ?? [])
    .find((m) => m.containerPort === nodePort)
  if (!mapping) throw new Error(`kind-config.yaml maps no port of this machine to ${nodePort}`)
  return `http://${mapping.listenAddress ?? '127.0.0.1'}:${mapping.hostPort}`
}

/**
 * docker where its daemon answers (a laptop: kind's own node image, upstream images pulled), else
 * podman with this project's configuration (the build machines: root, no registry; the node image
 * assembled here and the stand-ins of the upstream images). KIND_ENGINE chooses explicitly.
 */
export type Engine = 'docker' | 'podman'

let decided: Engine | undefined
export function engine(env: NodeJS.ProcessEnv = process.env): Engine {
  const chosen = env.KIND_ENGINE
  if (chosen === 'docker' || chosen === 'podman') return chosen
  if (chosen) throw new Error(`KIND_ENGINE=${chosen}: docker or podman`)
  decided ??= spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0 ? 'docker' : 'podman'
  return decided
}

/**
 * In-box: the build machines' cluster (podman), where Grafana and Loki (AGPL, never built here)
 * are left out and VictoriaLogs, with its own UI, stores the logs. IN_BOX=0|1 overrides.
 */
export function inBox(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.IN_BOX === '1' || env.IN_BOX === '0') return env.IN_BOX === '1'
  return engine(env) === 'podman'
}

/** The logs store cdk8s synthesizes (LOGS_BACKEND when set): VictoriaLogs in-box, else Loki. */
export function logsBackend(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOGS_BACKEND || (inBox(env) ? 'victorialogs' : 'loki')
}

/** Where podman keeps kind's state on this machine: the one file that names it. */
export const KIND_ENV_SH = join(REPO_ROOT, 'scripts', 'cluster', 'kind', 'env.sh')

/**
 * A command line of the engine's (and of kind's, which calls it) that sees kind's containers:
 * podman's through env.sh (its storage and containers.conf), docker's as it is.
 */
export function withEngine(which: Engine, command: string, args: string[]): [string, string[]] {
  if (which === 'docker') return [command, args]
  return ['bash', ['-c', `. "${KIND_ENV_SH}" && exec "$@"`, command, command, ...args]]
}

/**
 * The dev CLI, the one entry of the project's tooling (make's targets call it):
 *   cluster up|down|status|urls   the whole system on kind (kind-config.yaml); engine: docker|podman
 *   local up|down|status|fault    the local stack without containers (dev/local)
 *   run                           the four services alone, against one MariaDB (`make dev`)
 *   chaos pods|node               faults on the cluster, each seen as a delivered alert
 *   load local [--ui]|cluster     the Locust scenario on the local stack, or as the in-cluster Job
 *   services                      the service names, one per line (for the image builds)
 */
import { delimiter, join } from 'node:path'
import { REPO_ROOT, SERVICE_NAMES } from '@shopscope/system'

const USAGE = `usage: dev <command>
  cluster up|down|status|urls|engine
  local up|down|status|fault <service> <fault>
  run
  chaos pods|node
  load local [--ui]|cluster
  services`

type Command = (args: string[]) => Promise<unknown>
/** A module of dev/, loaded only for its command (the cluster's pull in cdk8s). */
const load = (path: string) => import(join(__dirname, `${path}.ts`))

const COMMANDS: Record<string, Command> = {
  'cluster up': async () => (await load('cluster/up')).up(),
  'cluster down': async () => (await load('cluster/down')).down(),
  'cluster status': async () => (await load('cluster/status')).status(),
  'cluster urls': async () => (await load('cluster/urls')).printUrls(),
  'cluster engine': async () => process.stdout.write(`${(await load('cluster/kind')).engine()}\n`),
  // local up and down, run and chaos node are scripts that run when loaded.
  'local up': () => load('local/up'),
  'local down': () => load('local/down'),
  'local status': async () => (await load('local/status')).localStatus(),
  'local fault': async ([service, fault]) =>
    (await load('local/faults')).localFault(service, fault),
  run: () => load('local/run'),
  'chaos pods': async () => (await load('chaos/pods')).chaosPods(),
  'chaos node': () => load('chaos/node-failure'),
  'load local': async (rest) => (await load('traffic/local-load')).loadLocal(rest),
  'load cluster': async () => (await load('cluster/load-job')).loadJob(),
  services: async () => process.stdout.write(`${SERVICE_NAMES.join('\n')}\n`),
}

// The pinned tools this checkout built (make tool-*) before the machine's own.
process.env.PATH = [join(REPO_ROOT, '.tools', 'bin'), process.env.PATH].join(delimiter)

const args = process.argv.slice(2)
const key = [`${args[0]} ${args[1]}`, args[0]].find((k) => k !== undefined && k in COMMANDS)
if (!key) {
  console.error(USAGE)
  process.exit(2)
}
const rest = args.slice(key.split(' ').length)
COMMANDS[key]!(rest).catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})

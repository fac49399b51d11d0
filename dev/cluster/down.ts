// `cluster down`: deletes the kind cluster (and with it every volume). On podman, also what kind
// and podman leave on the host, then checks that nothing of ours is left (kind/cluster.sh).
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { CLUSTER, engine } from './kind'
import { runInherit, runOk } from './run'
import { say } from './steps'

export async function down(env = process.env): Promise<void> {
  if (engine(env) === 'podman') {
    await runInherit(join(REPO_ROOT, 'scripts', 'cluster', 'kind', 'cluster.sh'), ['down'])
    return
  }
  if ((await runOk('kind', ['get', 'clusters'])).split('\n').includes(CLUSTER))
    await runInherit('kind', ['delete', 'cluster', '--name', CLUSTER])
  else say(`no kind cluster ${CLUSTER}`)
}

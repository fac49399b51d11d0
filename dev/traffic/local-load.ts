// `load local [--ui]`: the Locust scenario (locustfile.py beside this file, reading scenario.json)
// against the local stack of `local up`: headless with its summary, or in Locust's web UI on
// 127.0.0.1:LOAD_UI_PORT (8089), where Start runs it and the charts are live.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '@shopscope/system'
import { runInherit } from '../cluster/run'
import { LOCAL_RUN_DIR, loadState } from '../local/stack'

export const LOCUSTFILE = join(__dirname, 'locustfile.py')
const LOCUST = join(REPO_ROOT, '.tools', 'bin', 'locust')

export async function loadLocal(args: string[]): Promise<void> {
  if (!existsSync(LOCUST))
    throw new Error(`Locust is missing: make tool-locust (installs ${LOCUST})`)
  if (!existsSync(join(LOCAL_RUN_DIR, 'state.json')))
    throw new Error('the local stack is not running: make local-up')
  const { urls } = loadState(LOCAL_RUN_DIR)
  const mode = args.includes('--ui')
    ? ['--web-host', '127.0.0.1', '--web-port', process.env.LOAD_UI_PORT || '8089']
    : ['--headless', '--only-summary']
  await runInherit(LOCUST, ['--locustfile', LOCUSTFILE, ...mode], {
    ...process.env,
    FRONTEND_URL: urls.frontend,
    PRODUCT_SERVICE_URL: urls['product-service'],
  })
}

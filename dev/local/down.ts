/** `make local-down`: stops every process of the local stack and removes its database. */
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { LOCAL_RUN_DIR, loadState, stopStack } from './stack'

async function main() {
  if (!existsSync(join(LOCAL_RUN_DIR, 'state.json'))) {
    console.log('local stack is not running')
    return
  }
  await stopStack(loadState(LOCAL_RUN_DIR))
  rmSync(LOCAL_RUN_DIR, { recursive: true, force: true })
  console.log('local stack stopped')
}

void main()

import { after, before } from 'node:test'
import {
  startTestService,
  useMariaDb,
  type MariaDb,
  type TestService,
} from '@shopscope/tests/harness'
import { service } from '../src/service'

/** One fresh product database per test file; the MariaDB server comes from the harness. */
export function productServiceFixture(env: Record<string, string> = {}): () => TestService {
  let server: MariaDb
  let svc: TestService
  before(async () => {
    server = await useMariaDb()
    svc = await startTestService(service, server, env)
  })
  after(async () => {
    await svc?.close()
    await server?.stop()
  })
  return () => svc
}

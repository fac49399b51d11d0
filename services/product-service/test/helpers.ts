import { serviceFixture } from '@shopscope/tests/harness'
import { service } from '../src/service'

/** One fresh product database per test file; the MariaDB server comes from the harness. */
export const productServiceFixture = (env: Record<string, string> = {}) =>
  serviceFixture(service, env)

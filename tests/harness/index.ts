export {
  startMariaDb,
  useMariaDb,
  createTestDatabase,
  freePort,
  type MariaDb,
} from '../../dev/local/mariadb'
export {
  serviceFixture,
  startRestartableService,
  startTestService,
  waitUntilReady,
  TEST_ENV,
  type RestartableService,
  type TestService,
} from './service'
export { metricValue } from './metrics'
export { assertDependencyUnavailable, deadDatabaseUrl } from './dependency'
export * from './otlp-proto'
export { getOverSocket, type SocketAnswer } from './socket'

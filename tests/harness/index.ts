export { startMariaDb, useMariaDb, createTestDatabase, freePort, type MariaDb } from './mariadb'
export {
  startRestartableService,
  startTestService,
  waitUntilReady,
  TEST_ENV,
  type RestartableService,
  type TestService,
} from './service'
export { metricValue } from './metrics'
export {
  decodeLogs,
  decodeMetrics,
  decodeSpans,
  type OtlpDataPoint,
  type OtlpLogRecord,
  type OtlpSpan,
  type Value,
} from './otlp-proto'

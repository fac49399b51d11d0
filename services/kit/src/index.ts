export { Type, type Static } from '@sinclair/typebox'
export { BaseEnv, DatabaseEnv, ConfigError, loadConfig, type BaseConfig } from './config'
export { createLogger, serializeError, safeError } from './logger'
export {
  createDb,
  migrate,
  databaseName,
  utf8mb4Migration,
  DatabaseState,
  transactionRetryingDeadlocks,
  type Migration,
} from './db'
export { isDatabaseUnavailable } from './db-errors'
export {
  Problem,
  HttpProblem,
  problemFor,
  notFound,
  conflict,
  problem,
  problemOf,
  setSafeSpanStatus,
  problemType,
  allowedMethods,
  DependencyUnavailable,
  DEPENDENCY_UNAVAILABLE,
  RETRY_AFTER_SECONDS,
  PROBLEM_CONTENT_TYPE,
} from './problem'
export { createRegistry, exemplarLabels, client as promClient } from './metrics'
export {
  tokenSigner,
  tokenVerifier,
  requireUser,
  bearerToken,
  USER_TOKEN_TTL_SECONDS,
  type User,
} from './auth'
export { userPseudonym, userTagger, type TagUser } from './pseudonym'
export {
  ServiceSigningKey,
  ServicePublicKey,
  SERVICE_TOKEN_TTL_SECONDS,
  CLIENT_IP_HEADER,
  serviceTokenMinter,
  serviceTokenVerifier,
  serviceAuthorization,
  serviceCallerOf,
  requireService,
} from './service-token'
export { generateServiceKeyPair } from './service-keys'
export {
  Upstream,
  UpstreamUnavailable,
  UpstreamError,
  unexpectedAnswer,
  registerUpstreamMetrics,
  type UpstreamOptions,
  type UpstreamRequestInit,
  type CircuitState,
} from './upstream'
export { BUDGET_HEADER, deadlineFromBudget } from './deadline'
export { Sweeper } from './sweeper'
export { faultState, FaultEnv, ADMIN_AUTH_FAILURES_PER_WINDOW } from './faults'
export { OPERATIONAL_PATHS } from './health'
export {
  buildService,
  runService,
  loadServiceConfig,
  listenService,
  type ServiceDefinition,
  type ServiceConfig,
} from './server'

export { Type, type Static } from '@sinclair/typebox'
export { BaseEnv, DatabaseEnv, ConfigError, loadConfig, type BaseConfig } from './config'
export { createLogger, serializeError } from './logger'
export { createDb, migrate, databaseName, DatabaseState, type Migration } from './db'
export { Problem, HttpProblem, notFound, conflict, problem, PROBLEM_CONTENT_TYPE } from './problem'
export { createRegistry, exemplarLabels, client as promClient } from './metrics'
export { tokenSigner, tokenVerifier, requireUser, type User } from './auth'
export {
  Upstream,
  UpstreamUnavailable,
  registerUpstreamMetrics,
  type UpstreamOptions,
  type CircuitState,
} from './upstream'
export { faultState, FaultEnv } from './faults'
export { OPERATIONAL_PATHS } from './health'
export {
  buildService,
  runService,
  loadServiceConfig,
  type ServiceDefinition,
  type ServiceConfig,
} from './server'

import type { ServiceDefinition } from '@shopscope/kit'
import { FrontendEnv } from './config'
import app from './app'

export const service: ServiceDefinition<typeof FrontendEnv.properties> = {
  name: 'frontend',
  description: 'Server-rendered HTML shop in front of the user, product and order services',
  defaultPort: 8080,
  env: FrontendEnv,
  app,
}

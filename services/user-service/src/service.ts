import type { ServiceDefinition } from '@shopscope/kit'
import { UserEnv } from './config'
import { migrations } from './db/migrations'
import { seed } from './db/seed'
import app from './app'

export const service: ServiceDefinition<typeof UserEnv.properties> = {
  name: 'user-service',
  description: 'Accounts and sign-in of the shop',
  defaultPort: 8081,
  env: UserEnv,
  database: { migrations, seed },
  app,
}

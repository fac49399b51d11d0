import type { ServiceDefinition } from '@shopscope/kit'
import { OrderEnv } from './config'
import { migrations } from './db/migrations'
import app from './app'

export const service: ServiceDefinition<typeof OrderEnv.properties> = {
  name: 'order-service',
  description: 'Carts and orders of the shop',
  defaultPort: 8083,
  env: OrderEnv,
  database: { migrations },
  app,
}

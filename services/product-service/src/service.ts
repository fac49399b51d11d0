import type { ServiceDefinition } from '@shopscope/kit'
import { ProductEnv } from './config'
import { migrations } from './db/migrations'
import { seed } from './db/seed'
import app from './app'

export const service: ServiceDefinition<typeof ProductEnv.properties> = {
  name: 'product-service',
  description: 'Catalog and stock of the shop',
  defaultPort: 8082,
  env: ProductEnv,
  database: { migrations, seed },
  app,
}

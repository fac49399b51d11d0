import type { Knex } from 'knex'
import type { ServiceConfig } from '@shopscope/kit'
import type { UserEnv } from '../config'
import { UserRepository } from '../repositories/users'

/** The admin account from ADMIN_EMAIL/ADMIN_PASSWORD; created once, never overwritten. */
export async function seed(
  db: Knex,
  config: ServiceConfig<typeof UserEnv.properties>,
): Promise<void> {
  await new UserRepository(db).createIfMissing(
    { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, name: 'Administrator' },
    'admin',
  )
}

import knex, { type Knex } from 'knex'
import type winston from 'winston'
import { serializeError } from './logger'

/** A migration compiled into the service, so no migration directory has to ship or be found. */
export interface Migration {
  name: string
  up(db: Knex): Promise<void>
  down(db: Knex): Promise<void>
}

export interface DatabaseOptions {
  url: string
  poolMax: number
  migrations: Migration[]
  /** Idempotent: runs after every migration, must only insert what is missing. */
  seed?: (db: Knex) => Promise<void>
}

class ListMigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly list: Migration[]) {}
  getMigrations(): Promise<Migration[]> {
    return Promise.resolve(this.list)
  }
  getMigrationName(migration: Migration): string {
    return migration.name
  }
  getMigration(migration: Migration): Promise<Migration> {
    return Promise.resolve(migration)
  }
}

export function databaseName(url: string): string {
  const name = new URL(url).pathname.replace(/^\//, '')
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error('DATABASE_URL must name a database')
  return name
}

export function createDb(url: string, poolMax: number): Knex {
  return knex({
    client: 'mysql2',
    connection: { uri: url, connectTimeout: 5_000, timezone: 'Z', decimalNumbers: true },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 5_000,
  } as Knex.Config)
}

/**
 * Creates the database when the account may (a wiped volume must still boot), then applies
 * migrations and the seed while holding a MySQL named lock: replicas starting together on an
 * empty database queue up instead of racing knex's own table creation (which can leave two
 * rows in knex_migrations_lock, and then the migration lock can never be taken again).
 */
export async function migrate(db: Knex, options: DatabaseOptions): Promise<string[]> {
  const name = databaseName(options.url)
  const admin = createDb(options.url.replace(/\/[A-Za-z0-9_]+(\?.*)?$/, '/$1'), 1)
  try {
    // One connection for the whole sequence: a named lock belongs to the connection holding it.
    // Acquired inside the try: an unreachable database must not leak a pool per retry.
    const connection = await admin.client.acquireConnection()
    try {
      return await migrateOn(db, options, name, (sql, bindings) =>
        admin.raw(sql, bindings as Knex.RawBinding[]).connection(connection),
      )
    } finally {
      await admin.client.releaseConnection(connection)
    }
  } finally {
    await admin.destroy()
  }
}

async function migrateOn(
  db: Knex,
  options: DatabaseOptions,
  name: string,
  onConnection: (sql: string, bindings: unknown[]) => Knex.Raw,
): Promise<string[]> {
  try {
    await onConnection('CREATE DATABASE IF NOT EXISTS ??', [name])
  } catch (err) {
    // A restricted account cannot create databases; the platform created it then.
    if ((err as { code?: string }).code !== 'ER_DBACCESS_DENIED_ERROR') throw err
  }
  const lock = `shopscope_migrate_${name}`
  const [rows] = (await onConnection('SELECT GET_LOCK(?, 60) AS acquired', [lock])) as [
    { acquired: number | null }[],
  ]
  if (rows[0]?.acquired !== 1) throw new Error(`another instance kept ${lock} for 60 s`)
  try {
    const [, applied] = (await db.migrate.latest({
      migrationSource: new ListMigrationSource(options.migrations),
      tableName: 'knex_migrations',
    })) as [number, string[]]
    await options.seed?.(db)
    return applied
  } finally {
    await onConnection('SELECT RELEASE_LOCK(?)', [lock])
  }
}

export type DatabaseStatus = 'starting' | 'ready' | 'unavailable'

/**
 * Keeps trying to reach and migrate the database in the background: the HTTP server is up
 * (liveness) from the first second, readiness follows the database.
 */
export class DatabaseState {
  status: DatabaseStatus = 'starting'
  private migrated = false
  private stopped = false
  private lastPing = 0

  constructor(
    readonly db: Knex,
    private readonly options: DatabaseOptions,
    private readonly log: winston.Logger,
  ) {}

  async start(): Promise<void> {
    let delay = 500
    while (!this.stopped) {
      try {
        const applied = await migrate(this.db, this.options)
        this.migrated = true
        this.status = 'ready'
        this.log.info('database ready', { migrations_applied: applied })
        return
      } catch (err) {
        this.status = 'unavailable'
        this.log.warn('database not ready, retrying', {
          err: serializeError(err),
          retry_in_ms: delay,
        })
        await new Promise((r) => setTimeout(r, delay).unref())
        delay = Math.min(delay * 2, 10_000)
      }
    }
  }

  /** Pings at most every second so frequent probes do not load the pool. */
  async isReady(): Promise<boolean> {
    if (!this.migrated) return false
    if (Date.now() - this.lastPing < 1_000) return this.status === 'ready'
    this.lastPing = Date.now()
    try {
      await this.db.raw('SELECT 1').timeout(2_000)
      if (this.status !== 'ready') this.log.info('database reachable again')
      this.status = 'ready'
    } catch (err) {
      if (this.status === 'ready')
        this.log.warn('database unreachable', { err: serializeError(err) })
      this.status = 'unavailable'
    }
    return this.status === 'ready'
  }

  stop(): void {
    this.stopped = true
  }
}

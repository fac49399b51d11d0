import { channel } from 'node:diagnostics_channel'
import knex, { type Knex } from 'knex'
import type winston from 'winston'
import { serializeError } from './logger'
import { scrubDatabaseError } from './db-errors'

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
  /** Where knex's own warnings go (otherwise knex prints them on the console). */
  logger?: winston.Logger
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

/**
 * The shop's text is Unicode (names, searches with emoji): utf8mb4 for tables, database and
 * connection. unicode_520_ci exists on both MariaDB (tests) and MySQL 8.4 (cluster), and, unlike
 * utf8mb4_unicode_ci, tells emoji apart.
 */
export const CHARSET = 'utf8mb4'
export const COLLATION = 'utf8mb4_unicode_520_ci'
/** COLLATION's id in the MySQL protocol (mysql2's constants/charsets). */
const UTF8MB4_UNICODE_520_CI = 246

/** knex's own warnings (pool acquire errors...) as JSON records, not console lines. */
function knexLog(logger: winston.Logger | undefined): Knex.Config['log'] {
  if (!logger) return undefined
  const write = (level: 'warn' | 'error' | 'debug') => (message: unknown) =>
    logger.log(level, 'knex', { detail: message instanceof Error ? message : String(message) })
  return {
    warn: write('warn'),
    error: write('error'),
    deprecate: write('warn'),
    debug: write('debug'),
  }
}

/**
 * Host, port, user and database as knex settings of their own, next to the `uri` (which still
 * brings the password and any query options; mysql2 lets explicit settings win). Tracing reads
 * knex's settings: from a bare `uri` it finds no database until mysql2 fills it in at connect
 * time, and the stock auto-instrumentation names such spans `undefined` (tests/bench/stock).
 */
function connectionParts(url: string) {
  const parsed = new URL(url)
  return {
    host: decodeURIComponent(parsed.hostname),
    port: parsed.port ? Number(parsed.port) : 3306,
    user: decodeURIComponent(parsed.username),
    database: decodeURIComponent(parsed.pathname.slice(1)),
  }
}

/**
 * Each knex instance createDb makes is published here for the telemetry bootstrap, which records
 * SQL spans from its query events (services/telemetry/src/database-spans.ts, same channel name):
 * the services never touch the OTel SDK, and without a subscriber nothing is published.
 */
const knexCreated = channel('shopscope.knex.created')

export function createDb(url: string, poolMax: number, logger?: winston.Logger): Knex {
  const db = knex({
    log: knexLog(logger),
    client: 'mysql2',
    // knex would put the statement with its values formatted in (an email, a password hash)
    // in front of the driver's message.
    compileSqlOnError: false,
    connection: {
      uri: url,
      ...connectionParts(url),
      // By number: given as `charset`, knex would also stamp it on every CREATE TABLE, without
      // the collation, and new tables would not follow the database default.
      charsetNumber: UTF8MB4_UNICODE_520_CI,
      connectTimeout: 5_000,
      timezone: 'Z',
      decimalNumbers: true,
    },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 5_000,
  } as Knex.Config)
  // knex emits this before the query's promise rejects, so before its span records the error
  // and before any caller, log or error handler sees it: from here on it names the failure by
  // code only (the server's own text can quote a value: "Duplicate entry 'a@b.test'").
  db.on('query-error', (err: unknown) => scrubDatabaseError(err))
  // After the scrubbing listener: a span that records the error sees the scrubbed one.
  if (knexCreated.hasSubscribers) knexCreated.publish({ knex: db })
  return db
}

/**
 * Creates the database when the account may (a wiped volume must still boot), then applies
 * migrations and the seed while holding a MySQL named lock: replicas starting together on an
 * empty database queue up instead of racing knex's own table creation (which can leave two
 * rows in knex_migrations_lock, and then the migration lock can never be taken again).
 */
export async function migrate(db: Knex, options: DatabaseOptions): Promise<string[]> {
  const name = databaseName(options.url)
  // The shop's database may not exist yet; information_schema always does, for every account.
  const admin = createDb(
    options.url.replace(/\/[A-Za-z0-9_]+(\?.*)?$/, '/information_schema$1'),
    1,
    options.logger,
  )
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
    await onConnection(
      `CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET ${CHARSET} COLLATE ${COLLATION}`,
      [name],
    )
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

interface ForeignKey {
  name: string
  table: string
  columns: string[]
  refTable: string
  refColumns: string[]
  onUpdate: string
  onDelete: string
}

const RULES = new Set(['RESTRICT', 'CASCADE', 'SET NULL', 'NO ACTION', 'SET DEFAULT'])

async function foreignKeys(db: Knex): Promise<ForeignKey[]> {
  const [rows] = (await db.raw(
    `SELECT k.CONSTRAINT_NAME AS name, k.TABLE_NAME AS tbl, k.COLUMN_NAME AS col,
       k.REFERENCED_TABLE_NAME AS refTable, k.REFERENCED_COLUMN_NAME AS refCol,
       r.UPDATE_RULE AS onUpdate, r.DELETE_RULE AS onDelete
     FROM information_schema.KEY_COLUMN_USAGE k
     JOIN information_schema.REFERENTIAL_CONSTRAINTS r
       ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
       AND r.TABLE_NAME = k.TABLE_NAME
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
  )) as [Record<string, string>[]]
  const keys = new Map<string, ForeignKey>()
  for (const row of rows) {
    const id = `${row.tbl}.${row.name}`
    const key = keys.get(id) ?? {
      name: String(row.name),
      table: String(row.tbl),
      columns: [],
      refTable: String(row.refTable),
      refColumns: [],
      onUpdate: RULES.has(String(row.onUpdate)) ? String(row.onUpdate) : 'RESTRICT',
      onDelete: RULES.has(String(row.onDelete)) ? String(row.onDelete) : 'RESTRICT',
    }
    key.columns.push(String(row.col))
    key.refColumns.push(String(row.refCol))
    keys.set(id, key)
  }
  return [...keys.values()]
}

const list = (names: string[]) => names.map(() => '??').join(', ')

/**
 * A migration converting the database default and every table created before it to utf8mb4
 * (databases made by the first migrations were latin1 where the server defaulted to it).
 * MariaDB refuses to change a column under a foreign key even with foreign_key_checks off, so
 * the foreign keys are dropped around the conversion and created again as they were.
 */
export function utf8mb4Migration(name: string): Migration {
  return {
    name,
    async up(db) {
      await db.raw(`ALTER DATABASE CHARACTER SET ${CHARSET} COLLATE ${COLLATION}`)
      const [tables] = (await db.raw(
        `SELECT TABLE_NAME AS name FROM information_schema.TABLES
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_COLLATION <> ?`,
        [COLLATION],
      )) as [{ name: string }[]]
      if (tables.length === 0) return
      const keys = await foreignKeys(db)
      for (const key of keys) {
        await db.raw('ALTER TABLE ?? DROP FOREIGN KEY ??', [key.table, key.name])
      }
      for (const table of tables) {
        await db.raw(`ALTER TABLE ?? CONVERT TO CHARACTER SET ${CHARSET} COLLATE ${COLLATION}`, [
          table.name,
        ])
      }
      for (const key of keys) {
        await db.raw(
          `ALTER TABLE ?? ADD CONSTRAINT ?? FOREIGN KEY (${list(key.columns)})
           REFERENCES ?? (${list(key.refColumns)}) ON DELETE ${key.onDelete} ON UPDATE ${key.onUpdate}`,
          [key.table, key.name, ...key.columns, key.refTable, ...key.refColumns],
        )
      }
    },
    // Converting back could lose characters latin1 cannot hold; utf8mb4 stays.
    async down() {},
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

/** How many times a transaction InnoDB chose as a deadlock's victim runs in all. */
export const DEADLOCK_ATTEMPTS = 3

/**
 * `db.transaction(run, config)`, run again when InnoDB rolled it back as a deadlock's victim
 * (ER_LOCK_DEADLOCK, SQLSTATE 40001). The server undid all of it, so running it again is what
 * its error asks for; rows locked in different orders by concurrent adds and checkouts of one
 * cart can deadlock even under READ COMMITTED (unique-key checks take shared locks). `run` must
 * do nothing but its statements: it may run more than once.
 */
export async function transactionRetryingDeadlocks<T>(
  db: Knex,
  run: (trx: Knex.Transaction) => Promise<T>,
  config?: Knex.TransactionConfig,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(run, config)
    } catch (err) {
      const deadlock = (err as { code?: unknown }).code === 'ER_LOCK_DEADLOCK'
      if (!deadlock || attempt >= DEADLOCK_ATTEMPTS) throw err
    }
  }
}

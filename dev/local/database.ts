/**
 * The stack's MariaDB, started as the tests start theirs (./mariadb.ts). startMariaDb keeps no
 * handle another process could use, so the pid and data directory are asked from the server.
 */
import { readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { startMariaDb } from './mariadb'

export interface DatabaseProcess {
  /** mysql://user:password@127.0.0.1:port (no database) */
  url: string
  pid: number
  dataDir: string
}

export async function startDatabase(port: number): Promise<DatabaseProcess> {
  const { url } = await startMariaDb(port)
  const conn = await createConnection(`${url}/`)
  const [rows] = await conn.query('SELECT @@pid_file AS pidFile, @@datadir AS dataDir')
  await conn.end()
  const { pidFile, dataDir } = (rows as { pidFile: string; dataDir: string }[])[0] ?? {}
  if (!pidFile || !dataDir) throw new Error('MariaDB did not report its pid file')
  return { url, pid: Number(readFileSync(pidFile, 'utf8').trim()), dataDir }
}

/** startMariaDb puts the data directory in a shopscope-mariadb-* temporary directory. */
export function removeDatabaseFiles(db: DatabaseProcess) {
  const tmp = dirname(db.dataDir.replace(/\/$/, ''))
  if (/shopscope-mariadb-/.test(tmp)) rmSync(tmp, { recursive: true, force: true })
}

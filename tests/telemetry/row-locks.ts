import { createConnection, type Connection } from 'mysql2/promise'

/**
 * A user row inserted by a transaction left open: a service's INSERT of the same email then
 * waits on its lock, and the test decides what that INSERT meets (a commit: a duplicate key; a
 * KILL: a lost connection).
 */
export async function holdUserRow(schemaUrl: string, email: string, hash: string) {
  const holder = await createConnection(schemaUrl)
  await holder.beginTransaction()
  await holder.query('INSERT INTO users (email, name, role, password_hash) VALUES (?, ?, ?, ?)', [
    email,
    'x',
    'customer',
    hash,
  ])
  return {
    commit: () => holder.commit().finally(() => holder.end()),
    rollback: () => holder.rollback().finally(() => holder.end()),
  }
}

/** The server thread running a statement in `schema` that starts with `statement`. */
export async function threadRunning(
  sql: Connection,
  schema: string,
  statement: string,
): Promise<number> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const [rows] = (await sql.query(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE ?',
      [schema, `${statement}%`],
    )) as unknown as [{ id: number }[]]
    if (rows[0]) return rows[0].id
    if (Date.now() > deadline) throw new Error(`no '${statement}' running in ${schema}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

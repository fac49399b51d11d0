/**
 * Starts one MariaDB for a whole test run and prints `MYSQL_URL=...`; stops on SIGTERM.
 * Used by `make test` so test files share a server but never a database.
 */
import { startMariaDb } from './mariadb'

void (async () => {
  const server = await startMariaDb()
  process.stdout.write(`MYSQL_URL=${server.url}\n`)
  const stop = () => void server.stop().then(() => process.exit(0))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
})().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
})

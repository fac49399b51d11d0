/**
 * `make dev`: the four services from their compiled dist, on fixed ports, against one MySQL —
 * MYSQL_URL when set, otherwise a throwaway MariaDB — with dev.env's development-only values.
 * No telemetry (that is `make local-up`). Ctrl-C stops all.
 */
import { SERVICES, SERVICE_NAMES, type ServiceName } from '@shopscope/system'
import { assertBuilt, launch, serverScript, stackSpecs } from './launch'
import { useMariaDb } from './mariadb'
import { devEnv } from './services'

void (async () => {
  assertBuilt(SERVICE_NAMES.map(serverScript))
  const mysql = await useMariaDb()
  const dev = devEnv()
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  )
  const services = stackSpecs({
    ports: Object.fromEntries(SERVICE_NAMES.map((n) => [n, SERVICES[n].port])) as Record<
      ServiceName,
      number
    >,
    mysqlUrl: mysql.url,
    env: () => ({ ...inherited, ...dev }),
  })
  const children = services.map((s) => launch(s.name, s.spec, 'inherit'))
  const frontend = services.find((s) => s.name === 'frontend')
  process.stdout.write(`\nshopscope is starting: ${frontend?.url} (admin: ${dev.ADMIN_EMAIL})\n\n`)
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()))
    await mysql.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
})()

/**
 * `make dev`: the four services from their compiled dist, on fixed ports, against one MySQL —
 * MYSQL_URL when set, otherwise a throwaway MariaDB — with dev.env's development-only values.
 * No telemetry (that is `make local-up`). Ctrl-C stops all.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { useMariaDb } from './mariadb'
import {
  SERVICES,
  SERVICES_BY_DEPENDENCY,
  serviceUrlEnv,
  type ServiceName,
} from '@shopscope/system'
import { devEnv } from './services'

const ROOT = join(__dirname, '..', '..')
const url = (name: ServiceName) => `http://127.0.0.1:${SERVICES[name].port}`

void (async () => {
  const mysql = await useMariaDb()
  const dev = devEnv()
  const shared = {
    ...process.env,
    ...dev,
    HOST: '127.0.0.1',
    ...serviceUrlEnv(url),
  }
  const children: ChildProcess[] = SERVICES_BY_DEPENDENCY.map((s) =>
    spawn(process.execPath, [join(ROOT, 'services', s.name, 'dist', 'server.js')], {
      stdio: 'inherit',
      env: {
        ...shared,
        PORT: String(s.port),
        ...(s.database ? { DATABASE_URL: `${mysql.url}/${s.database}` } : {}),
      },
    }),
  )
  process.stdout.write(
    `\nshopscope is starting: ${url('frontend')} (admin: ${dev.ADMIN_EMAIL})\n\n`,
  )
  const stop = async () => {
    for (const child of children) child.kill('SIGTERM')
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))),
    )
    await mysql.stop()
    process.exit(0)
  }
  process.once('SIGINT', () => void stop())
  process.once('SIGTERM', () => void stop())
})()

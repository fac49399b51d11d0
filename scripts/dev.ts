/**
 * `make dev`: the four services from their compiled dist against one MySQL — MYSQL_URL when
 * set, otherwise a throwaway MariaDB — with the development values of dev.env. Ctrl-C stops all.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { useMariaDb } from '../tests/harness'

const ROOT = join(__dirname, '..')
const SERVICES = [
  { name: 'user-service', port: 8081, database: 'users' },
  { name: 'product-service', port: 8082, database: 'products' },
  { name: 'order-service', port: 8083, database: 'orders' },
  { name: 'frontend', port: 8080, database: null },
] as const

function devEnv(): Record<string, string> {
  const lines = readFileSync(join(ROOT, 'dev.env'), 'utf8').split('\n')
  return Object.fromEntries(
    lines
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
}

void (async () => {
  const mysql = await useMariaDb()
  const url = (name: string) => `http://127.0.0.1:${SERVICES.find((s) => s.name === name)?.port}`
  const shared = {
    ...process.env,
    ...devEnv(),
    HOST: '127.0.0.1',
    PRODUCT_SERVICE_URL: url('product-service'),
    USER_SERVICE_URL: url('user-service'),
    ORDER_SERVICE_URL: url('order-service'),
  }
  const children: ChildProcess[] = SERVICES.map((s) =>
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
    `\nshopscope is starting: http://127.0.0.1:8080 (admin: ${shared.ADMIN_EMAIL})\n\n`,
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

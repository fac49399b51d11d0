import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { createConnection } from 'mysql2/promise'

/**
 * A throwaway MariaDB server (the tests, `make dev`, the local stack): its own data directory and
 * a free loopback port. Tests never share tables: each file asks for a fresh database with
 * `createTestDatabase`.
 */
export interface MariaDb {
  /** mysql://user:password@127.0.0.1:port (no database) */
  url: string
  stop(): Promise<void>
}

const BINARIES = ['/usr/sbin/mariadbd', '/usr/bin/mariadb-install-db']

/**
 * Ports this process has handed out. Between a port's probe and its user's bind, the kernel may
 * offer the same port to the next probe: the local stack once gave its collector and a service
 * one port, and the collector failed with EADDRINUSE.
 */
const handedOut = new Set<number>()

/** A port of 127.0.0.1 free now and never handed out before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await probePort()
    if (!handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
  throw new Error('no free port not handed out before in 100 probes')
}

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function waitForServer(url: string, child: ChildProcess, deadlineMs: number) {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with code ${child.exitCode}`)
    try {
      const conn = await createConnection(url)
      await conn.end()
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** `port` lets a test start the server late on a port a service already points at. */
export async function startMariaDb(port?: number): Promise<MariaDb> {
  const missing = BINARIES.filter((b) => !existsSync(b))
  if (missing.length > 0) {
    throw new Error(
      `MariaDB is not installed (${missing.join(', ')} missing): run 'make deps' ` +
        `(apt-get install mariadb-server) or set MYSQL_URL to a server tests may use`,
    )
  }
  const dir = mkdtempSync(join(tmpdir(), 'shopscope-mariadb-'))
  port ??= await freePort()
  const socket = join(dir, 'mysqld.sock')
  execFileSync(
    '/usr/bin/mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'pipe' },
  )
  const child = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${dir}/data`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      '--innodb-flush-log-at-trx-commit=2',
      '--max-connections=500',
      `--pid-file=${dir}/mysqld.pid`,
      `--log-error=${dir}/error.log`,
    ],
    { stdio: 'ignore' },
  )
  const password = randomBytes(12).toString('hex')
  const rootUrl = `mysql://root@127.0.0.1:${port}/`
  await waitForServer(rootUrl, child, 30_000)
  const conn = await createConnection(rootUrl)
  await conn.query(`CREATE USER 'shopscope'@'%' IDENTIFIED BY '${password}'`)
  await conn.query(`GRANT ALL PRIVILEGES ON *.* TO 'shopscope'@'%'`)
  await conn.end()
  return {
    url: `mysql://shopscope:${password}@127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * A server for this test process: MYSQL_URL when given (CI's shared server), otherwise a new
 * throwaway one that `release` stops.
 */
export async function useMariaDb(): Promise<MariaDb> {
  const given = process.env.MYSQL_URL
  if (given) return { url: given.replace(/\/$/, ''), stop: async () => undefined }
  return startMariaDb()
}

/** A new, empty, uniquely named database on `server`; `drop` removes it. */
export async function createTestDatabase(
  server: MariaDb,
  prefix = 'test',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`.replace(/[^A-Za-z0-9_]/g, '_')
  const conn = await createConnection(`${server.url}/`)
  await conn.query(`CREATE DATABASE \`${name}\``)
  await conn.end()
  return {
    name,
    url: `${server.url}/${name}`,
    async drop() {
      const c = await createConnection(`${server.url}/`)
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``)
      await c.end()
    },
  }
}

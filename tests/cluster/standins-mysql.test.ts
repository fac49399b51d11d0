/**
 * The MySQL stand-in's entrypoint contract (make test-standins).
 */
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { buildah, config, escape, mysql } from './standins/lib'

/*
 * The MySQL stand-in's entrypoint, run as the StatefulSet runs it (its args, its runAsUser) and as
 * root (drops to mysql), on an empty data directory and again on the initialized one. The server
 * programs are stubs that log their arguments and SQL (no MariaDB is started here): this checks
 * the official image's contract, the SQL it sends and the init files it runs, not MariaDB itself.
 */
const STUBS: Record<string, string> = {
  mysqld: `#!/bin/bash
case " $* " in
  *" --verbose --help "*) printf 'datadir /var/lib/mysql/\\nsocket /run/mysqld/mysqld.sock\\n'; exit 0 ;;
  *" --version "*) echo 'mysqld  Ver 0-stub'; exit 0 ;;
esac
echo "mysqld uid=$(id -u) $*" >>/tmp/calls
if [[ " $* " == *" --skip-networking "* ]]; then echo $$ >/tmp/stub.pid; exec sleep 120; fi
`,
  mariadb: `#!/bin/bash
{ echo "mariadb uid=$(id -u) $*"; cat; echo; } >>/tmp/calls
`,
  'mariadb-admin': `#!/bin/bash
echo "mariadb-admin uid=$(id -u) $*" >>/tmp/calls
kill "$(cat /tmp/stub.pid)"
`,
  'mariadb-install-db': `#!/bin/bash
echo "install-db uid=$(id -u) $*" >>/tmp/calls
mkdir -p /var/lib/mysql/mysql
`,
  'mariadb-tzinfo-to-sql': `#!/bin/bash
echo '-- tzinfo'
`,
}
const INIT_FILES: Record<string, { text: string; mode: number }> = {
  '01-schema.sql': { text: 'CREATE TABLE from_init_sql (id INT);\n', mode: 0o644 },
  '02-sourced.sh': {
    text: 'echo "sourced uid=$(id -u) db=$MYSQL_DATABASE" >>/tmp/calls\n"${mysql[@]}" <<<"SELECT 2"\n',
    mode: 0o644,
  },
  '03-run.sh': { text: '#!/bin/sh\necho "executed uid=$(id -u)" >>/tmp/calls\n', mode: 0o755 },
  '04-ignored.txt': { text: 'not run\n', mode: 0o644 },
}

describe('the MySQL stand-in entrypoint (server programs stubbed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'standins-mysql-'))
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'stub'))
  mkdirSync(join(dir, 'initdb'))
  for (const [name, text] of Object.entries(STUBS))
    writeFileSync(join(dir, 'stub', name), text, { mode: 0o755 })
  for (const [name, { text, mode }] of Object.entries(INIT_FILES))
    writeFileSync(join(dir, 'initdb', name), text, { mode })
  writeFileSync(join(dir, 'stub', 'root-password'), 'r00t-pw', { mode: 0o644 })
  after(() => rmSync(dir, { recursive: true, force: true }))

  /** Two starts of the entrypoint in one container: the calls each logged. */
  function twoStarts(user: string[]): [string, string] {
    const image = mysql().image
    config(image)
    const from = buildah(['from', '--quiet', '--pull-never', image])
    assert.equal(from.status, 0, from.stderr)
    const id = from.stdout.trim()
    const env = {
      PATH: '/stub:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      MYSQL_ROOT_PASSWORD_FILE: '/stub/root-password',
      MYSQL_DATABASE: 'shop',
      MYSQL_USER: 'shop',
      MYSQL_PASSWORD: "it's-secret",
    }
    const run = (command: string[]) =>
      buildah([
        'run',
        '--isolation',
        'chroot',
        ...user,
        '--volume',
        `${join(dir, 'stub')}:/stub:ro`,
        '--volume',
        `${join(dir, 'initdb')}:/docker-entrypoint-initdb.d:ro`,
        ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        id,
        '--',
        ...command,
      ])
    try {
      const starts: string[] = []
      for (let i = 0; i < 2; i++) {
        const started = run(['docker-entrypoint.sh', ...mysql().args])
        assert.equal(started.status, 0, `${started.stdout}${started.stderr}`)
        starts.push(run(['sh', '-c', 'cat /tmp/calls; rm /tmp/calls']).stdout)
      }
      return starts as [string, string]
    } finally {
      buildah(['rm', id])
    }
  }

  function checkInit(calls: string, uid: number) {
    const args = mysql().args.join(' ')
    assert.match(
      calls,
      new RegExp(`^install-db uid=${uid} --datadir=/var/lib/mysql/ .*${escape(args)}`, 'm'),
    )
    assert.match(calls, new RegExp(`^mysqld uid=${uid} ${escape(args)} --skip-networking `, 'm'))
    assert.match(calls, /ALTER USER 'root'@'localhost' IDENTIFIED BY 'r00t-pw';/)
    assert.match(calls, /CREATE USER 'root'@'%' IDENTIFIED BY 'r00t-pw';/)
    assert.match(calls, /CREATE DATABASE IF NOT EXISTS `shop` ;/)
    assert.match(calls, /CREATE USER 'shop'@'%' IDENTIFIED BY 'it\\'s-secret' ;/)
    assert.match(calls, /GRANT ALL ON `shop`\.\* TO 'shop'@'%' ;/)
    assert.match(calls, /--database=shop[^\n]*\nCREATE TABLE from_init_sql/)
    assert.match(calls, new RegExp(`^sourced uid=${uid} db=shop$`, 'm'))
    assert.match(calls, /\nSELECT 2\n/)
    assert.match(calls, new RegExp(`^executed uid=${uid}$`, 'm'))
    assert.doesNotMatch(calls, /not run/)
    assert.match(calls, /^mariadb-admin uid=\d+ shutdown -uroot --password=r00t-pw /m)
    // Last: the server itself, with the StatefulSet's arguments.
    assert.match(calls.trimEnd(), new RegExp(`\\nmysqld uid=${uid} ${escape(args)}$`))
  }

  it("as the StatefulSet's runAsUser: initializes once, then only starts the server", () => {
    const [first, second] = twoStarts(['--user', String(mysql().runAsUser)])
    checkInit(first, mysql().runAsUser)
    assert.equal(second.trim(), `mysqld uid=${mysql().runAsUser} ${mysql().args.join(' ')}`)
  })

  it('as root: drops to the mysql user for all of it', () => {
    const [first, second] = twoStarts([])
    checkInit(first, mysql().runAsUser)
    assert.equal(second.trim(), `mysqld uid=${mysql().runAsUser} ${mysql().args.join(' ')}`)
  })
})

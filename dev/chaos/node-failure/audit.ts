// After the failure: every order the shop acknowledged exists, confirmed, once; no shopper has
// more orders than checkouts submitted; no stock is below zero. Read in the databases themselves
// (`kubectl exec` into the MySQL pods of cdk8s/src/constructs/mysql.ts) with the application
// user whose credentials the pod's own environment holds: no password leaves the pod.
import type { SERVICES_WITH_DATABASE } from '@shopscope/system'
import type { Shoppers } from '../../traffic/shoppers'
import { kubectl } from '../../cluster/kube'

type Database = (typeof SERVICES_WITH_DATABASE)[number]['database']

/** Rows of a query, as mysql --batch prints them: tab-separated, no header. */
async function query(database: Database, sql: string): Promise<string[][]> {
  const out = await kubectl(
    '--namespace',
    'shop',
    'exec',
    `mysql-${database}-0`,
    '--container',
    'mysql',
    '--',
    'sh',
    '-c',
    // MYSQL_PWD: the password stays out of every command line, and out of this one's output.
    'MYSQL_PWD="$MYSQL_PASSWORD" exec mysql -h 127.0.0.1 -u "$MYSQL_USER" -D "$MYSQL_DATABASE" --batch --skip-column-names -e "$1"',
    'audit',
    sql,
  )
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'))
}

export type OrderAudit = {
  acknowledged: number
  /** Acknowledged orders found confirmed, for the shopper who placed them. */
  found: number
  /** Acknowledged, but missing, not confirmed or another shopper's. */
  lost: number[]
  /** One order id acknowledged to two checkouts. */
  acknowledgedTwice: number
  /** Orders beyond the checkouts a shopper submitted: a checkout that made two. */
  duplicated: number
  /** Confirmed orders of the shoppers in the database (acknowledged or not). */
  inDatabase: number
}

export async function auditOrders(shoppers: Shoppers): Promise<OrderAudit> {
  const emails = shoppers.emails.map((e) => `'${e.replace(/[^a-z0-9@.-]/gi, '')}'`).join(',')
  const users = new Map(
    (await query('users', `SELECT email, id FROM users WHERE email IN (${emails})`)).map(
      ([email, id]) => [email!, Number(id)],
    ),
  )
  const ids = [...new Set(shoppers.orders.map((o) => o.id))]
  const rows = ids.length
    ? await query('orders', `SELECT id, user_id, status FROM orders WHERE id IN (${ids.join(',')})`)
    : []
  const confirmed = new Map(
    rows
      .filter(([, , status]) => status === 'confirmed')
      .map(([id, user]) => [Number(id), Number(user)]),
  )
  const lost = shoppers.orders
    .filter((o) => confirmed.get(o.id) === undefined || confirmed.get(o.id) !== users.get(o.email))
    .map((o) => o.id)

  const userIds = [...users.values()]
  const perUser = userIds.length
    ? await query(
        'orders',
        `SELECT user_id, COUNT(*) FROM orders WHERE status = 'confirmed' AND user_id IN (${userIds.join(',')}) GROUP BY user_id`,
      )
    : []
  const emailOf = new Map([...users].map(([email, id]) => [id, email]))
  let duplicated = 0
  let inDatabase = 0
  for (const [user, count] of perUser) {
    const submitted = shoppers.checkoutsSubmitted.get(emailOf.get(Number(user)) ?? '') ?? 0
    inDatabase += Number(count)
    duplicated += Math.max(0, Number(count) - submitted)
  }
  return {
    acknowledged: shoppers.orders.length,
    found: shoppers.orders.length - lost.length,
    lost,
    acknowledgedTwice: shoppers.orders.length - ids.length,
    duplicated,
    inDatabase,
  }
}

/** Products whose stock is below zero (the column is unsigned: this proves it stayed so). */
export async function negativeStock(): Promise<string[]> {
  const rows = await query(
    'products',
    'SELECT sku, stock FROM products WHERE CAST(stock AS SIGNED) < 0',
  )
  return rows.map(([sku, stock]) => `${sku} ${stock}`)
}

import type { Knex } from 'knex'

/**
 * A periodic background job (order-service's reconciler, product-service's reservation expiry)
 * that runs on one replica at a time and never overlaps itself: each run holds a MariaDB named
 * lock (GET_LOCK, scoped to the service's database; released when the run ends or when its
 * connection drops with the pod), and the next run is scheduled only once the previous one has
 * finished. A replica that finds the lock taken skips its turn.
 */
export class Sweeper {
  private timer?: NodeJS.Timeout
  private running = false
  private stopped = false

  constructor(
    private readonly db: Knex,
    private readonly name: string,
    private readonly sweep: () => Promise<unknown>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** One run now; false when one is already running here or on another replica. */
  async runOnce(): Promise<boolean> {
    if (this.running) return false
    this.running = true
    try {
      return await this.underLock()
    } finally {
      this.running = false
    }
  }

  private async underLock(): Promise<boolean> {
    // A named lock belongs to the connection that took it: one connection for the whole run.
    const connection: unknown = await this.db.client.acquireConnection()
    try {
      const onIt = (sql: string) => this.db.raw(sql, [this.name]).connection(connection)
      const [rows] = (await onIt("SELECT GET_LOCK(CONCAT(DATABASE(), '.', ?), 0) AS acquired")) as [
        { acquired: number | null }[],
      ]
      if (rows[0]?.acquired !== 1) return false
      try {
        await this.sweep()
      } finally {
        await onIt("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.', ?))")
      }
      return true
    } finally {
      await this.db.client.releaseConnection(connection)
    }
  }

  start(intervalMs: number): void {
    this.stopped = false
    const next = () => {
      if (this.stopped) return
      this.timer = setTimeout(() => {
        this.runOnce().catch(this.onError).finally(next)
      }, intervalMs)
      this.timer.unref()
    }
    next()
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }
}

// The in-cluster receiver's log, read back by the chaos tests and the resolutions' check after
// them (dev/cluster/alert-receiver.ts reads it).
import { join } from 'node:path'
import { type Notification, receiverNotifications } from '../../dev/cluster/alert-receiver'
import { RUN_DIR } from './kube'

/** Where the chaos test leaves the time it started, for the resolutions' check. */
export const CHAOS_STARTED_AT = join(RUN_DIR, 'chaos-started-at')

/** The notifications the receiver logged since `since` (RFC 3339). */
export const delivered = (since: string): Promise<Notification[]> =>
  receiverNotifications(new Date(since))

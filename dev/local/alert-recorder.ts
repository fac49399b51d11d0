/**
 * The local stack's alert receiver: Alertmanager's webhooks (every receiver of
 * alerts/alertmanager.yaml, the URL path names it) land here and are kept with their arrival
 * time, so a test can ask "did ServiceDown reach the critical receiver, and when?". It also
 * serves docs/runbooks/, where the local Prometheus' runbook_url lead.
 *
 *   POST /alerts/<receiver>   Alertmanager webhook payload (version 4)
 *   GET  /api/deliveries      [{receivedAt, receiver, status, alertname, labels, startsAt,
 *                              runbookUrl}]
 *   GET  /runbooks/<file>.md  docs/runbooks/<file>.md, as text
 *
 * Run: RECORDER_PORT=… node --import tsx dev/local/alert-recorder.ts
 */
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { RUNBOOKS_PATH } from '../../cdk8s/src/runbooks'

const RUNBOOKS_DIR = join(__dirname, '..', '..', 'docs', 'runbooks')

/** The runbook base URL of a recorder listening at `recorderUrl`. */
export const recorderRunbookBaseUrl = (recorderUrl: string) => `${recorderUrl}${RUNBOOKS_PATH}`

export interface Delivery {
  /** Epoch milliseconds when the webhook arrived. */
  receivedAt: number
  receiver: string
  status: 'firing' | 'resolved'
  alertname: string
  labels: Record<string, string>
  startsAt: string
  /** The alert's runbook_url annotation ('' without one). */
  runbookUrl: string
}

interface WebhookPayload {
  alerts?: {
    status: 'firing' | 'resolved'
    labels: Record<string, string>
    annotations?: Record<string, string>
    startsAt: string
  }[]
}

const deliveries: Delivery[] = []

async function readJson(req: IncomingMessage): Promise<WebhookPayload> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The alert's name, linked to its runbook when the link is a web address. */
function alertCell(d: Delivery): string {
  if (!/^https?:\/\//.test(d.runbookUrl)) return escape(d.alertname)
  return `<a href="${escape(d.runbookUrl)}" title="runbook">${escape(d.alertname)}</a>`
}

/**
 * What a receiver got, newest first: the page a person opens where a team would look at its
 * chat channel or pager (Debian's Alertmanager has no web UI of its own).
 */
function inboxPage(items: Delivery[]): string {
  const rows = [...items]
    .reverse()
    .map(
      (d) =>
        `<tr class="${d.status}"><td>${new Date(d.receivedAt).toISOString()}</td>` +
        `<td>${escape(d.receiver)}</td><td>${d.status}</td><td>${alertCell(d)}</td>` +
        `<td>${escape(
          Object.entries(d.labels)
            .filter(([k]) => k !== 'alertname')
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
        )}</td></tr>`,
    )
    .join('')
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Alerts delivered</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}.firing td:nth-child(3){color:#b00020;font-weight:600}
.resolved td:nth-child(3){color:#1b7f3b}</style></head><body>
<h1>Alerts delivered by Alertmanager</h1><p>${items.length} notification(s); JSON at <a href="/api/deliveries">/api/deliveries</a>.</p>
<table><thead><tr><th>received</th><th>receiver</th><th>status</th><th>alert</th><th>labels</th></tr></thead>
<tbody>${rows}</tbody></table></body></html>`
}

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://recorder')
  const receiver = /^\/alerts\/([\w-]+)$/.exec(url.pathname)?.[1]
  if (req.method === 'POST' && receiver) {
    const payload = await readJson(req)
    const receivedAt = Date.now()
    for (const alert of payload.alerts ?? []) {
      deliveries.push({
        receivedAt,
        receiver,
        status: alert.status,
        alertname: alert.labels.alertname ?? '',
        labels: alert.labels,
        startsAt: alert.startsAt,
        runbookUrl: alert.annotations?.runbook_url ?? '',
      })
      process.stdout.write(
        `${new Date(receivedAt).toISOString()} ${receiver} ${alert.status} ` +
          `${alert.labels.alertname} ${alert.labels.service_name ?? ''}\n`,
      )
    }
    reply(res, 200, { recorded: payload.alerts?.length ?? 0 })
  } else if (req.method === 'GET' && url.pathname === '/api/deliveries') {
    reply(res, 200, deliveries)
  } else if (req.method === 'GET' && url.pathname.startsWith(`${RUNBOOKS_PATH}/`)) {
    await serveRunbook(url.pathname.slice(RUNBOOKS_PATH.length + 1), res)
  } else if (req.method === 'GET' && url.pathname === '/') {
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      })
      .end(inboxPage(deliveries))
  } else {
    reply(res, 404, { error: `no route ${req.method} ${url.pathname}` })
  }
}

/** One file of docs/runbooks/ by its plain name: no path reaches outside that folder. */
async function serveRunbook(file: string, res: ServerResponse) {
  const text = /^[\w-]+\.md$/.test(file)
    ? await readFile(join(RUNBOOKS_DIR, file), 'utf8').catch(() => undefined)
    : undefined
  if (text === undefined) {
    reply(res, 404, { error: `no runbook ${file}` })
    return
  }
  // text/plain: a browser shows Markdown as text, never as a download.
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text)
}

/** Listens on 127.0.0.1:`port` (0: any free port); returns the port it got. */
export async function startAlertRecorder(port: number) {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => reply(res, 400, { error: String(err) }))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => server.close(resolve)),
  }
}

if (require.main === module) {
  const port = Number(process.env.RECORDER_PORT)
  if (!port) {
    process.stderr.write('alert-recorder: RECORDER_PORT is required\n')
    process.exit(2)
  }
  void startAlertRecorder(port).then(({ stop }) => {
    process.stdout.write(`alert-recorder: http://127.0.0.1:${port}\n`)
    process.once('SIGTERM', () => void stop().then(() => process.exit(0)))
  })
}

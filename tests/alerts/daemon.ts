// Starts a real Prometheus or Alertmanager on a free loopback port for a test.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../harness'
import { toolPath, type ToolName } from '../../dev/local/prometheus-tools'

export interface Daemon {
  url: string
  dataDir: string
  stop(): Promise<void>
}

/** `args` gets the listen address and a fresh data directory; resolves once /-/ready says 200. */
export async function startDaemon(
  tool: Extract<ToolName, 'prometheus' | 'alertmanager'>,
  args: (listen: string, dataDir: string) => string[],
  dataDir = mkdtempSync(join(tmpdir(), `${tool}-`)),
): Promise<Daemon> {
  const listen = `127.0.0.1:${await freePort()}`
  const child = spawn(toolPath(tool), args(listen, dataDir), {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)))
  const url = `http://${listen}`
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${tool} exited with code ${child.exitCode}:\n${log}`)
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (res) => res.ok,
      () => false,
    )
    if (ready) return { url, dataDir, stop }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`${tool} not ready after 30s:\n${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A single (non-clustered) Alertmanager running `config` (alertmanager.yaml text). */
export function startAlertmanager(config: string): Promise<Daemon> {
  return startDaemon('alertmanager', (listen, dataDir) => {
    writeFileSync(join(dataDir, 'alertmanager.yaml'), config)
    return [
      `--config.file=${join(dataDir, 'alertmanager.yaml')}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=${listen}`,
      '--cluster.listen-address=',
    ]
  })
}

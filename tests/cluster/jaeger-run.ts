/**
 * The Jaeger binary (`make tool-jaeger`) run on the config cdk8s synthesizes: the ConfigMap's
 * files where the Deployment mounts them, moved to a scratch dir (the UI config alone in its own:
 * Jaeger watches that directory), on free ports of 127.0.0.1 so a running stack is not in the way.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { JAEGER } from '@shopscope/system'
import { parse, stringify } from 'yaml'
import { JAEGER_UI_CONFIG_FILE } from '../../cdk8s/src/jaeger-ui-config'
import { freePort } from '../harness'
import type { K8sObject } from '../../dev/cluster/render'
import { tool } from '../../dev/cluster/tools'

export interface RunningJaeger {
  /** The query API and UI. */
  base: string
  /** OTLP over HTTP (POST /v1/traces). */
  otlpHttp: string
  log: () => string
}

/** Polls url until it answers 2xx; fails with the process' log if it exits or 30 s pass. */
export async function waitServing(
  name: string,
  url: string,
  exited: () => number | null,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited() !== null) assert.fail(`${name} exited ${exited()}:\n${log().slice(-3000)}`)
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    if (Date.now() > deadline)
      assert.fail(`${name} served nothing on ${url} in 30 s:\n${log().slice(-3000)}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** Starts Jaeger on the synthesized objects' config (killed after the test file). */
export async function startJaeger(objects: K8sObject[]): Promise<RunningJaeger> {
  const work = mkdtempSync(join(tmpdir(), 'shopscope-jaeger-'))
  const of = (kind: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === JAEGER.name)!
  const data = of('ConfigMap').data!
  const mountPath: string =
    of('Deployment').spec.template.spec.containers[0].volumeMounts[0].mountPath
  const config = parse(data['config.yaml']!)
  assert.equal(
    config.extensions.jaeger_query.ui.config_file,
    `${mountPath}/${JAEGER_UI_CONFIG_FILE}`,
    'the UI config is not where it is mounted',
  )
  mkdirSync(join(work, 'ui'))
  writeFileSync(join(work, 'ui', JAEGER_UI_CONFIG_FILE), data[JAEGER_UI_CONFIG_FILE]!)
  const query = await freePort()
  const otlpHttp = await freePort()
  const at = async () => `127.0.0.1:${await freePort()}`
  config.extensions.jaeger_query.ui.config_file = join(work, 'ui', JAEGER_UI_CONFIG_FILE)
  config.extensions.jaeger_query.http = { endpoint: `127.0.0.1:${query}` }
  config.extensions.jaeger_query.grpc = { endpoint: await at() }
  config.extensions.healthcheckv2.http.endpoint = await at()
  config.receivers.otlp.protocols.grpc.endpoint = await at()
  config.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${otlpHttp}`
  // Its own metrics would take the collector's default port (8888).
  config.service.telemetry = { metrics: { level: 'none' } }
  writeFileSync(join(work, 'config.yaml'), stringify(config))
  const child = spawn(tool('jaeger'), [`--config=${join(work, 'config.yaml')}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
  // It may take its time to shut down (its exporters retry): the tests need no clean exit.
  after(() => child.kill('SIGKILL'))
  const base = `http://127.0.0.1:${query}`
  await waitServing(
    'jaeger',
    `${base}/`,
    () => child.exitCode,
    () => log,
  )
  return { base, otlpHttp: `http://127.0.0.1:${otlpHttp}`, log: () => log }
}

import { freePort } from '../harness'
import type { CollectorPorts } from '../../scripts/local/collector'

/** Free loopback ports for every listener of config.yaml. */
export async function localCollectorPorts(): Promise<CollectorPorts> {
  return {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    prometheusExporter: await freePort(),
    healthCheck: await freePort(),
    telemetry: await freePort(),
  }
}

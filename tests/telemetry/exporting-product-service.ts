import { useMariaDb } from '@shopscope/tests/harness'
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver'
import { FAST_EXPORT_ENV, startServiceProcess, type ServiceProcess } from './service-process'

/** product-service as its own process, on its own MariaDB, exporting to its own receiver. */
export interface ExportingProductService {
  otlp: OtlpReceiver
  service: ServiceProcess
  stop(): Promise<void>
}

export interface ExportOptions {
  /** Files given to `node --require`, in order (none: the test loads telemetry another way). */
  requires?: string[]
  /** Added to the fast export delays, service name and receiver endpoint; wins over them. */
  env?: Record<string, string>
}

export async function startExportingProductService(
  options: ExportOptions = {},
): Promise<ExportingProductService> {
  const db = await useMariaDb()
  const otlp = await startOtlpReceiver().catch(async (err: unknown) => {
    await db.stop()
    throw err
  })
  const stopBackends = async () => {
    await otlp.close()
    await db.stop()
  }
  const service = await startServiceProcess('product-service', {
    db,
    requires: options.requires,
    env: {
      ...FAST_EXPORT_ENV,
      OTEL_SERVICE_NAME: 'product-service',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      ...options.env,
    },
  }).catch(async (err: unknown) => {
    await stopBackends()
    throw err
  })
  return {
    otlp,
    service,
    async stop() {
      await service.stop()
      await stopBackends()
    },
  }
}

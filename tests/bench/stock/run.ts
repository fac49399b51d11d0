// Starts order-service with the stock auto-instrumentations-node registered the Operator's way.
// Usage: STOCK_DIR=<cache>/stock-nodejs-0.82.0 npx tsx tests/bench/stock/run.ts, where <cache> is
// cacheDir() of @shopscope/system.
import { tokenSigner } from '@shopscope/kit'
import { startMariaDb, TEST_ENV } from '@shopscope/tests/harness'
import { startOtlpReceiver } from '../../telemetry/otlp-receiver'
import { startServiceProcess } from '../../telemetry/service-process'

async function main(): Promise<void> {
  const stockDir = process.env.STOCK_DIR
  if (!stockDir) throw new Error('STOCK_DIR is required')
  // The file the package's `./register` export names (dist/register.cjs in 0.82.0, build/src/register.js in 0.66.0).
  const register = require.resolve('@opentelemetry/auto-instrumentations-node/register', {
    paths: [stockDir],
  })
  const db = await startMariaDb()
  const receiver = await startOtlpReceiver()
  const service = await startServiceProcess('order-service', {
    db,
    requires: [register],
    env: {
      PRODUCT_SERVICE_URL: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_SERVICE_NAME: 'order-service',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BLRP_SCHEDULE_DELAY: '200',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      // OTEL_* given to this script win, e.g. OTEL_TRACES_EXPORTER=console to print the spans
      // or OTEL_NODE_DISABLED_INSTRUMENTATIONS=knex.
      ...Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] => e[0].startsWith('OTEL_') && e[1] !== undefined,
        ),
      ),
    },
  }).catch(async (err: Error) => {
    console.log(err.message)
    await receiver.close()
    await db.stop()
    process.exit(1)
  })
  const token = tokenSigner(TEST_ENV.JWT_SECRET)({
    id: 1,
    email: 'a@shopscope.test',
    role: 'customer',
  } as never)
  const requests: Array<[string, string, unknown?]> = [
    ['GET', '/readyz'],
    ['GET', '/api/v1/cart'],
    ['GET', '/api/v1/orders'],
    ['POST', '/api/v1/cart/items', { productId: 1, quantity: 1 }],
    ['POST', '/api/v1/orders'],
  ]
  for (const [method, path, body] of requests) {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'idempotency-key': 'k-0123456789abcdef',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    }).catch((e: Error) => e)
    console.log(method, path, res instanceof Error ? res.message : res.status)
    await new Promise((r) => setTimeout(r, 700))
  }
  await new Promise((r) => setTimeout(r, 3000))
  console.log('running after 3 s:', service.running(), 'exit code:', service.exitCode())
  console.log(
    'received spans/logs/metrics:',
    receiver.spans.length,
    receiver.logs.length,
    receiver.metrics.length,
  )
  console.log('----- service output -----')
  console.log(service.output())
  await service.stop()
  await receiver.close()
  await db.stop()
}

void main()

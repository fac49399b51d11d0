// Bundles web/telemetry.ts (the browser's OpenTelemetry SDK) into dist/web/telemetry.js, which
// the frontend serves same-origin (src/browser-telemetry.ts). Run by `npm run build` at the root
// and by the image build, after tsc. `--metafile` prints what the bundle is made of.
import { build } from 'esbuild'
import { dirname, join } from 'node:path'
import { argv, stdout } from 'node:process'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
// The instrumentations pin their own copies of core/instrumentation (3.0.x, 3.1.x, one API):
// one copy each in the bundle, the versions the frontend's package.json names.
const SINGLE = /^@opentelemetry\/(api|core|instrumentation|semantic-conventions)(\/.*)?$/
const singleCopies = {
  name: 'single-copies',
  setup(build) {
    build.onResolve({ filter: SINGLE }, (args) =>
      args.pluginData === 'single'
        ? undefined
        : build.resolve(args.path, {
            kind: 'import-statement',
            resolveDir: join(root, 'web'),
            pluginData: 'single',
          }),
    )
  },
}

const result = await build({
  entryPoints: [join(root, 'web', 'telemetry.ts')],
  outfile: join(root, 'dist', 'web', 'telemetry.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  legalComments: 'none',
  plugins: [singleCopies],
  metafile: argv.includes('--metafile'),
  logLevel: 'warning',
})
if (result.metafile) {
  const { analyzeMetafile } = await import('esbuild')
  stdout.write(await analyzeMetafile(result.metafile))
}

/**
 * Stages the content of the auto-instrumentation image: the compiled bootstrap plus the
 * production dependencies it resolves, copied from the installed workspace tree (no network).
 * Node resolution inside the staged directory gives every package the one
 * @opentelemetry/api this workspace pins, the same the services' kit uses.
 *
 *   node --import tsx scripts/stage-autoinstrumentation.ts [target]   (default dist/image/autoinstrumentation)
 */
import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  mkdirSync,
  writeFileSync,
} from 'node:fs'
import { chmodSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'

const pkgDir = resolve(__dirname, '..')
const repoRoot = resolve(pkgDir, '../..')
const target = resolve(process.argv[2] ?? join(pkgDir, 'dist/image/autoinstrumentation'))

interface Manifest {
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

/** Node's lookup: <dir>/node_modules/<name>, then each parent, up to the repository root. */
function locate(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; dir.startsWith(repoRoot); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    if (dir === repoRoot) break
  }
  return undefined
}

/** Where a package lands: its path below the nearest workspace's node_modules, kept nested. */
function stagedPath(packageDir: string): string {
  for (const base of [join(pkgDir, 'node_modules'), join(repoRoot, 'node_modules')]) {
    if (packageDir.startsWith(base + sep))
      return join(target, 'node_modules', relative(base, packageDir))
  }
  throw new Error(`${packageDir} is outside the workspace's node_modules`)
}

function collect(): Map<string, string> {
  const staged = new Map<string, string>() // staged path -> source directory
  const visit = (name: string, fromDir: string, optional: boolean) => {
    const dir = locate(name, fromDir)
    if (!dir) {
      if (optional) return
      throw new Error(`${name} (needed by ${fromDir}) is not installed: run npm ci`)
    }
    const to = stagedPath(dir)
    const already = staged.get(to)
    // The telemetry workspace's own copy wins over a hoisted one with the same name.
    if (already === dir || (already && already.startsWith(join(pkgDir, 'node_modules')))) return
    staged.set(to, dir)
    const m = readManifest(dir)
    for (const dep of Object.keys(m.dependencies ?? {})) visit(dep, dir, false)
    for (const dep of Object.keys(m.optionalDependencies ?? {})) visit(dep, dir, true)
    for (const dep of Object.keys(m.peerDependencies ?? {})) visit(dep, dir, true)
  }
  for (const dep of Object.keys(readManifest(pkgDir).dependencies ?? {})) visit(dep, pkgDir, false)
  return staged
}

function sizeOf(path: string): number {
  const s = statSync(path)
  if (!s.isDirectory()) return s.size
  return readdirSync(path).reduce((sum, entry) => sum + sizeOf(join(path, entry)), 0)
}

const bootstrap = join(pkgDir, 'dist')
if (!existsSync(join(bootstrap, 'autoinstrumentation.js'))) {
  throw new Error('dist/autoinstrumentation.js is missing: run npx tsc -b services/telemetry first')
}
const bootstrapFiles = readdirSync(bootstrap).filter((f) => f.endsWith('.js'))
const packages = [...collect()].sort(([a], [b]) => a.length - b.length)
// What the staged tree is made of: the bootstrap's bytes and each package's place and version (an
// installed package never changes under one version). Unchanged, the copy is skipped: restaging
// 39 MiB took 5-20 s of every warm `make local-up`.
const fingerprint = createHash('sha256')
for (const file of bootstrapFiles)
  fingerprint.update(file).update(readFileSync(join(bootstrap, file)))
for (const [to, from] of packages) {
  const { version } = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')) as {
    version?: string
  }
  fingerprint.update(`${to}\0${from}\0${version}\n`)
}
const stamp = `${target}.stamp`
const digest = fingerprint.digest('hex')
if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
  console.log(`staged ${target}: unchanged (${packages.length} packages)`)
  process.exit(0)
}
rmSync(stamp, { force: true })
rmSync(target, { recursive: true, force: true })
mkdirSync(target, { recursive: true })
for (const file of bootstrapFiles) {
  cpSync(join(bootstrap, file), join(target, file))
}
for (const [to, from] of packages) {
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    // Nested node_modules are staged on their own, only when something resolves them.
    filter: (src) => !relative(from, src).split(sep).includes('node_modules'),
  })
}
chmodSync(target, 0o755)
writeFileSync(stamp, digest)
const mib = sizeOf(target) / 1024 / 1024
console.log(`staged ${target}: ${packages.length} packages, ${mib.toFixed(1)} MiB`)

/**
 * Where a `--cpu-prof` profile spends its time: self time by package (or service source), the
 * same with Node's internals and native code charged to the package that called them (an
 * AsyncLocalStorage.run under @opentelemetry/context-async-hooks is telemetry's time), and the top
 * functions, so a benchmark's limit can be stated with evidence.
 *
 *   node --import tsx tests/bench/profile-summary.ts <file.cpuprofile> [top] [requests]
 *
 * Module loading (startup) is left out. With the number of requests the process served, times
 * are also printed in µs per request.
 */
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
}

const where = (url: string) => {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(
    url.split('node_modules/').length > 2 ? url.slice(url.lastIndexOf('node_modules/')) : url,
  )
  if (pkg) return pkg[1] ?? url
  if (url.startsWith('node:')) return url
  const src = /services\/([^/]+)\//.exec(url)
  if (src) return `services/${src[1]}`
  return url ? 'other' : '(native/gc/idle)'
}

const file = process.argv[2]
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]')
const top = Number(process.argv[3] ?? 25)
const requests = Number(process.argv[4] ?? 0)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parentOf = new Map<number, number>()
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id)
/** Node's own code, native frames and GC: charged to the nearest caller that is neither. */
const isInternal = (place: string) => place.startsWith('node:') || place === '(native/gc/idle)'
const chargedPlace = (id: number): string => {
  let at: number | undefined = id
  while (at !== undefined) {
    const n = byId.get(at)
    if (!n) break
    const place = where(n.callFrame.url)
    if (n.callFrame.functionName === '(idle)') return '(idle)'
    if (!isInternal(place)) return place
    at = parentOf.get(at)
  }
  return where(byId.get(id)?.callFrame.url ?? '')
}
const self = new Map<number, number>()
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const total = [...self.values()].reduce((a, b) => a + b, 0)
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
/** Module loading (startup, require-in-the-middle's hooks on it) is not a request's cost. */
const loading = new Map<number, boolean>()
const isLoading = (id: number): boolean => {
  const known = loading.get(id)
  if (known !== undefined) return known
  const n = byId.get(id)
  const parent = parentOf.get(id)
  const result =
    (n?.callFrame.url.startsWith('node:internal/modules/') ?? false) ||
    (parent !== undefined && isLoading(parent))
  loading.set(id, result)
  return result
}
let loadingTime = 0
const byPlace = new Map<string, number>()
const byCaller = new Map<string, number>()
const byFunction = new Map<string, number>()
for (const [id, us] of self) {
  const n = byId.get(id)
  if (!n) continue
  if (isLoading(id)) {
    loadingTime += us
    continue
  }
  const { functionName, url, lineNumber } = n.callFrame
  const place = functionName === '(idle)' ? '(idle)' : where(url)
  add(byPlace, place, us)
  add(byCaller, place === '(idle)' ? place : chargedPlace(id), us)
  add(byFunction, `${functionName || '(anonymous)'} ${place}:${lineNumber + 1}`, us)
}
const busy = total - loadingTime - (byPlace.get('(idle)') ?? 0)
const perRequest = (us: number) =>
  requests > 0 ? `${(us / requests).toFixed(1).padStart(7)} µs/req  ` : ''
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`)
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((v / total) * 100).toFixed(1).padStart(6)}%  ${perRequest(v)}${k}`)
  }
}
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(loadingTime / 1e6).toFixed(1)} s loading modules (left out), ${(busy / 1e6).toFixed(1)} s busy`,
)
if (requests > 0) console.log(`${perRequest(busy)}busy, over ${requests} requests`)
/** Telemetry's code: the bootstrap and the OTel packages (the winston OTLP transport included). */
const isTelemetry = (place: string) =>
  place === 'services/telemetry' || place.startsWith('@opentelemetry/')
const telemetry = [...byCaller].filter(([place]) => isTelemetry(place))
const telemetryTime = telemetry.reduce((sum, [, us]) => sum + us, 0)
console.log(
  `${perRequest(telemetryTime)}telemetry (${telemetry.length} packages, Node internals charged to them): ${((telemetryTime / Math.max(busy, 1)) * 100).toFixed(1)}% of busy; GC is not charged to anyone`,
)
show('self time by package', byPlace)
show('self time by package, Node internals and native code charged to their caller', byCaller)
show('self time by function', byFunction)

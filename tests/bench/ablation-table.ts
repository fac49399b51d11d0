/**
 * The ablation table: per scenario, the stack CPU per request each piece of our telemetry costs,
 * as `<base> − <base>-no-<piece>`, taken round by round (both ran in the same round) and shown as
 * the rounds' median (min–max). The summed pieces, the floor (`<base>-bare − off`: what stays
 * with every summed piece removed) and the interactions (what is left) add up to `<base> − off`.
 */
import { configSpec, PIECES, type Telemetry } from './configs'
import type { LoadResult } from './load'
import type { ConfigResult, Results } from './report'
import { spread, type Spread } from './rounds'

/** Each round's stack CPU per request of a scenario; a single run counts as one round. */
function perRound(result: LoadResult | undefined): number[] | undefined {
  if (!result) return undefined
  if (result.rounds?.stackCpuMs) return result.rounds.stackCpuMs
  const total = Object.entries(result.cpuMsPerRequest)
    .filter(([name]) => name !== 'load generator')
    .reduce((sum, [, ms]) => sum + ms, 0)
  return [total]
}

type Vector = number[] | undefined

const minus = (a: Vector, b: Vector): Vector =>
  a && b && a.length === b.length ? a.map((v, i) => v - (b[i] ?? NaN)) : undefined

const plus = (a: Vector, b: Vector): Vector =>
  a && b && a.length === b.length ? a.map((v, i) => v + (b[i] ?? NaN)) : undefined

/** Two decimals, without a `-0.00`. */
const ms = (n: number) => (Math.abs(n) < 0.005 ? 0 : n).toFixed(2)

const cell = (v: Vector): string => {
  if (!v) return '-'
  const s: Spread = spread(v)
  if (!Number.isFinite(s.median)) return '-'
  return v.length > 1 ? `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})` : ms(s.median)
}

const share = (part: Vector, total: Vector): string => {
  if (!part || !total) return '-'
  const p = spread(part).median
  const t = spread(total).median
  return t > 0 && Number.isFinite(p) ? `${Math.round((p / t) * 100)}%` : '-'
}

interface Row {
  label: string
  values: Record<string, Vector>
}

function tableFor(base: 'default' | 'full', results: Results, names: string[]): string[] {
  const find = (t: Telemetry) => results.configs.find((c) => c.telemetry === t)
  const baseConfig = find(base)
  const ablated = results.configs.filter((c) => {
    const spec = configSpec(c.telemetry)
    return spec.base === base && spec.without.length > 0 && !c.telemetry.endsWith('-bare')
  })
  if (!baseConfig || ablated.length === 0) return []
  const off = find('off')
  const bare = find(`${base}-bare`)
  const scenarioVectors = (c: ConfigResult | undefined) =>
    Object.fromEntries(names.map((n) => [n, perRound(c?.scenarios[n])]))
  const baseV = scenarioVectors(baseConfig)
  const costOf = (c: ConfigResult | undefined): Record<string, Vector> => {
    const v = scenarioVectors(c)
    return Object.fromEntries(names.map((n) => [n, minus(baseV[n], v[n])]))
  }
  const pieceOf = (c: ConfigResult) => configSpec(c.telemetry).without[0] ?? ''
  const summedPieces = Object.keys(PIECES).filter((p) => PIECES[p]?.kind === 'summed')
  const summed = summedPieces
    .map((p) => ablated.find((c) => pieceOf(c) === p))
    .filter((c): c is ConfigResult => !!c)
  const missing = summedPieces.filter((p) => !summed.some((c) => pieceOf(c) === p))
  const rows: Row[] = summed.map((c) => ({
    label: PIECES[pieceOf(c)]?.label ?? pieceOf(c),
    values: costOf(c),
  }))
  // Undefined for a scenario where any row is: a sum with a hole would look complete.
  const sum: Record<string, Vector> = Object.fromEntries(
    names.map((n) => {
      const vectors = rows.map((r) => r.values[n])
      const [first, ...others] = vectors
      if (!first || others.some((v) => !v)) return [n, undefined]
      return [n, others.reduce<Vector>((acc, v) => plus(acc, v), first)]
    }),
  )
  const total: Record<string, Vector> | undefined = off
    ? Object.fromEntries(names.map((n) => [n, minus(baseV[n], perRound(off.scenarios[n]))]))
    : undefined
  const floor: Record<string, Vector> | undefined =
    off && bare
      ? Object.fromEntries(
          names.map((n) => [n, minus(perRound(bare.scenarios[n]), perRound(off.scenarios[n]))]),
        )
      : undefined
  const lines: string[] = [
    '',
    `## Ablation: CPU per request each piece of \`${base}\` costs (ms of stack CPU)`,
    '',
    `Each row: \`${base}\` minus \`${base}\` without the piece (configurations above), round by round, as the rounds' median (min–max).`,
    `The summed rows, the floor and the interactions add up to the total, \`${base}\` − \`off\`, in each round (their medians need not add up exactly); the rows below the total are not part of the sum.`,
    '',
    `| piece | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---:').join(' | ')} |`,
  ]
  const line = (label: string, values: Record<string, Vector> | undefined) =>
    lines.push(`| ${label} | ${names.map((n) => cell(values?.[n])).join(' | ')} |`)
  for (const r of rows) line(r.label, r.values)
  if (rows.length > 1) line('**sum of the pieces above**', sum)
  if (floor) {
    line(
      `floor: \`${base}-bare\` − \`off\` (SDK, sampler, context, propagation, business spans)`,
      floor,
    )
  }
  if (total) {
    const rest = Object.fromEntries(
      names.map((n) => [n, minus(minus(total[n], sum[n]), floor?.[n] ?? sum[n]?.map(() => 0))]),
    )
    const what = [
      ...(floor ? [] : ['the floor']),
      ...(missing.length > 0 ? [`pieces not run: ${missing.join(', ')}`] : []),
      'interactions between the pieces',
    ].join('; ')
    line(`rest: ${what}`, rest)
    line(`**total: \`${base}\` − \`off\`**`, total)
  }
  const others = ablated.filter((c) => PIECES[pieceOf(c)]?.kind !== 'summed')
  for (const c of others) {
    const piece = PIECES[pieceOf(c)]
    const note =
      piece?.kind === 'baseline'
        ? ' — not in the total: off has it too'
        : piece?.kind === 'unclean'
          ? ' — not summed: the rest changes without it'
          : ` — part of "${PIECES[piece?.partOf ?? '']?.label ?? ''}"`
    line(`${piece?.label ?? pieceOf(c)}${note}`, costOf(c))
  }
  if (total && rows.length > 0) {
    lines.push(
      '',
      `Share of the total (\`${base}\` − \`off\`), medians:`,
      '',
      `| piece | ${names.join(' | ')} |`,
      `| --- | ${names.map(() => '---:').join(' | ')} |`,
    )
    for (const r of rows)
      lines.push(`| ${r.label} | ${names.map((n) => share(r.values[n], total[n])).join(' | ')} |`)
    if (floor) lines.push(`| floor | ${names.map((n) => share(floor[n], total[n])).join(' | ')} |`)
  }
  return lines
}

/** The ablation tables of the bases that have ablation configurations in this run. */
export function ablationTables(results: Results, names: string[]): string[] {
  return [...tableFor('default', results, names), ...tableFor('full', results, names)]
}

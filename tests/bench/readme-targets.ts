import { readFileSync, writeFileSync } from 'node:fs'
import type { Results } from './report'

/**
 * The README's "What telemetry costs" table is the target table of the last committed
 * `make bench`, written by that run between these markers: the figures have one source, the run,
 * and no one copies them by hand (tests/platform/docs.test.ts compares the two).
 */
export const BEGIN = '<!-- targets: written by make bench from tests/bench/results/latest.md -->'
export const END = '<!-- end of targets -->'

/** The markdown table of the run's targets, as latest.md's "## Targets" section has it. */
export function targetTable(results: Pick<Results, 'targets'>): string {
  const rows = results.targets.map(
    (t) => `| ${t.name} | ${t.value} | ${t.met ? 'yes' : '**no**'} |`,
  )
  return ['| target | measured | met |', '| --- | --- | --- |', ...rows].join('\n')
}

/** The table between the markers of `markdown`, or undefined without them. */
export function tableIn(markdown: string): string | undefined {
  const begin = markdown.indexOf(BEGIN)
  const end = markdown.indexOf(END)
  if (begin < 0 || end < begin) return undefined
  return markdown.slice(begin + BEGIN.length, end).trim()
}

/** Replaces the table between the markers in the file; fails if they are missing. */
export function writeTargetTable(readme: string, table: string): void {
  const text = readFileSync(readme, 'utf8')
  if (tableIn(text) === undefined) throw new Error(`${readme} has no ${BEGIN} … ${END} block`)
  const begin = text.indexOf(BEGIN) + BEGIN.length
  writeFileSync(readme, `${text.slice(0, begin)}\n\n${table}\n\n${text.slice(text.indexOf(END))}`)
}

// Runs the pinned schemathesis against one service's OpenAPI document and reads its reports.
import { spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(__dirname, '../..')
/** Where `make tool-schemathesis` links the command (scripts/python-tool.sh). */
const BINARY = join(ROOT, '.tools/bin/schemathesis')

export const PINNED_VERSION = /^SCHEMATHESIS_VERSION=(\S+)$/m.exec(
  readFileSync(join(ROOT, 'versions.env'), 'utf8'),
)?.[1]

/** What every fuzzed response must satisfy. */
export const CHECKS = [
  'not_a_server_error',
  'response_schema_conformance',
  'status_code_conformance',
  'content_type_conformance',
]

export interface FuzzOptions {
  /** Base URL of the service; its document is at /docs/json unless given as `document`. */
  url: string
  /** The OpenAPI document, for a service that does not publish it (the frontend). */
  document?: unknown
  headers?: Record<string, string>
  checks?: string[]
  /** Per operation and phase. Small: the suite runs in every `make test`. */
  maxExamples?: number
  /** Fixed, so a failure found once is found again by the next run. */
  seed?: number
  /** The whole run is killed (and fails) after this long. */
  timeoutMs?: number
}

export interface FuzzFailure {
  code: string
  title: string
  operations: string[]
}

/** The parts of schemathesis' JSON run report (`--report json`) the suite reads. */
export interface RunReport {
  schemathesis_version: string
  exit_code: number
  operations: { selected: number; tested: number; errored: number }
  test_cases: { generated: number; with_failures: number; errored: number }
  failures: FuzzFailure[]
  errors: unknown[]
  warnings: Record<string, unknown[]>
}

export interface FuzzRun {
  exitCode: number | null
  /** schemathesis' own console output: the failures with a curl line to reproduce each. */
  output: string
  report: RunReport
  /** Each JUnit test case (an operation, or the stateful scenarios) and its failure codes. */
  junit: Array<{ name: string; failures: string[] }>
}

function binary(): string {
  try {
    accessSync(BINARY, constants.X_OK)
    return BINARY
  } catch {
    throw new Error(`${BINARY} is missing: run 'make tool-schemathesis' (or make test-fuzz)`)
  }
}

/** `<testcase name="GET /x">…<failure message="ST101">` → [{ name, failures: ['ST101'] }]. */
export function parseJunit(xml: string): FuzzRun['junit'] {
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? []
  return cases.map((testcase) => ({
    name: unescapeXml(/\bname="([^"]*)"/.exec(testcase)?.[1] ?? ''),
    // One element per failing case; its message lists the case's codes: "ST101, ST103".
    failures: [...testcase.matchAll(/<(?:failure|error)\b[^>]*\bmessage="([^"]*)"/g)].flatMap((m) =>
      unescapeXml(m[1] ?? '').split(/,\s*/),
    ),
  }))
}

const unescapeXml = (text: string) =>
  text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&')

export async function fuzz(options: FuzzOptions): Promise<FuzzRun> {
  const command = binary()
  // Its example database and replay store land in the working directory: keep them out of the repo.
  const dir = mkdtempSync(join(tmpdir(), 'shopscope-fuzz-'))
  const document = join(dir, 'openapi.json')
  if (options.document) writeFileSync(document, JSON.stringify(options.document))
  const args = [
    'run',
    ...(options.document ? [document, `--url=${options.url}`] : [`${options.url}/docs/json`]),
    `--checks=${(options.checks ?? CHECKS).join(',')}`,
    `--max-examples=${options.maxExamples ?? 25}`,
    `--seed=${options.seed ?? 20261201}`,
    // Every failing case of every operation, not just the first: the report lists them all.
    '--continue-on-failure',
    '--workers=1',
    '--request-timeout=10',
    '--generation-database=none',
    '--no-color',
    '--report=json,junit',
    `--report-json-path=${join(dir, 'report.json')}`,
    `--report-junit-path=${join(dir, 'junit.xml')}`,
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => [
      '--header',
      `${name}: ${value}`,
    ]),
  ]
  const timeoutMs = options.timeoutMs ?? 150_000
  try {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const exitCode = await new Promise<number | null>((done, fail) => {
      child.once('error', fail)
      child.once('close', (code) => done(code))
    }).finally(() => clearTimeout(timer))
    if (exitCode === null) throw new Error(`schemathesis ran over ${timeoutMs} ms:\n${output}`)
    let report: RunReport
    try {
      report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport
    } catch {
      throw new Error(`schemathesis exited ${exitCode} without a run report:\n${output}`)
    }
    const junit = parseJunit(readFileSync(join(dir, 'junit.xml'), 'utf8'))
    return { exitCode, output, report, junit }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One line for the test log: what was fuzzed and what it found. */
export function summary(name: string, run: FuzzRun): string {
  const { operations, test_cases: cases, failures } = run.report
  const found = failures.map((f) => `${f.code} ${f.title} (${f.operations.join(', ')})`)
  return (
    `${name}: ${operations.tested}/${operations.selected} operations, ` +
    `${cases.generated} cases, ${cases.with_failures} failing` +
    (found.length ? `: ${found.join('; ')}` : '')
  )
}

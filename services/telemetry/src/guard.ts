/**
 * The operator's `--require` and ours can both be present (an injected pod whose image also
 * starts with our bootstrap). They are different copies of the file, so the module cache does
 * not dedupe them: a process-wide symbol does.
 */
const STARTED = Symbol.for('shopscope.telemetry.started')

type GuardedGlobal = typeof globalThis & { [STARTED]?: string }

/** True for the first caller only; later callers learn which bootstrap won. */
export function claimTelemetry(bootstrap: string): { first: true } | { first: false; by: string } {
  const global = globalThis as GuardedGlobal
  const by = global[STARTED]
  if (by !== undefined) return { first: false, by }
  global[STARTED] = bootstrap
  return { first: true }
}

import { readFileSync } from 'node:fs'

/**
 * Parses versions.env (KEY=value lines, `#` comments, `${OTHER}` references to earlier keys):
 * the one file every pinned version lives in, shared with Make and the shell scripts.
 */
export function parseVersions(text: string): Record<string, string> {
  const versions: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    if (!match) throw new Error(`versions.env: cannot parse line "${line}"`)
    const [, key, value] = match as unknown as [string, string, string]
    versions[key] = value.replace(/\$\{([A-Z0-9_]+)\}/g, (_all, ref: string) => {
      const resolved = versions[ref]
      if (resolved === undefined) throw new Error(`versions.env: ${key} refers to unknown ${ref}`)
      return resolved
    })
  }
  return versions
}

export function readVersions(path: string): Record<string, string> {
  return parseVersions(readFileSync(path, 'utf8'))
}

/** The value of `key`, or an error naming the missing pin. */
export function pinned(versions: Record<string, string>, key: string): string {
  const value = versions[key]
  if (!value) throw new Error(`versions.env: ${key} is not pinned`)
  return value
}

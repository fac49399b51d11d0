// How the cluster commands show their progress: numbered steps a person follows in the log.
let step = 0

export function announce(title: string): void {
  step += 1
  process.stdout.write(`\n\x1b[1m[${step}] ${title}\x1b[0m\n`)
}

export const say = (line: string) => process.stdout.write(`${line}\n`)

/** Kubernetes resource quantities → numbers: CPU in millicores, memory in bytes. */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 }

export function cpuMillis(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0
  const text = String(quantity)
  if (text.endsWith('m')) return Number(text.slice(0, -1))
  const cores = Number(text)
  if (Number.isNaN(cores)) throw new Error(`not a CPU quantity: ${text}`)
  return cores * 1000
}

export function memoryBytes(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0
  const match = /^([0-9.]+)([A-Za-z]*)$/.exec(String(quantity))
  if (!match) throw new Error(`not a memory quantity: ${quantity}`)
  const [, number, unit] = match as unknown as [string, string, string]
  const factor = unit === '' ? 1 : (BINARY[unit] ?? DECIMAL[unit])
  if (factor === undefined) throw new Error(`unknown memory unit in ${quantity}`)
  return Number(number) * factor
}

export const formatCpu = (millis: number) => `${millis}m`
export const formatMemory = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)}Mi`

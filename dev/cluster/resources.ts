import { add, stackResources } from './stack-resources'
import { formatCpu, formatMemory } from './quantities'

/**
 * Prints the CPU and memory requests and limits of every pod shopscope runs on kind, and fails
 * when the memory requests exceed the budget: the stack must fit an 8 GiB laptop.
 */
const BUDGET_BYTES = 4 * 2 ** 30

const rows = stackResources()
const total = rows.reduce(add, {
  component: 'TOTAL',
  source: '',
  cpuRequest: 0,
  memoryRequest: 0,
  cpuLimit: 0,
  memoryLimit: 0,
})
const line = (cells: string[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(46) : i === 1 ? c.padEnd(30) : c.padStart(10))).join(' ')

console.log(line(['component', 'source', 'cpu req', 'mem req', 'cpu lim', 'mem lim']))
for (const r of [...rows, total]) {
  console.log(
    line([
      r.component,
      r.source,
      formatCpu(r.cpuRequest),
      formatMemory(r.memoryRequest),
      formatCpu(r.cpuLimit),
      formatMemory(r.memoryLimit),
    ]),
  )
}
const verdict = total.memoryRequest <= BUDGET_BYTES ? 'within' : 'OVER'
console.log(
  `memory requests ${formatMemory(total.memoryRequest)}: ${verdict} the ${formatMemory(BUDGET_BYTES)} budget`,
)
if (total.memoryRequest > BUDGET_BYTES) process.exitCode = 1

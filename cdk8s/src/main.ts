import { join } from 'node:path'
import { readInputs } from './inputs'
import { synth } from './synth'

const outdir = join(__dirname, '..', 'dist')
synth(readInputs(), outdir, process.env.GRAFANA_ADMIN_PASSWORD || undefined)
console.log(`cdk8s: synthesized into ${outdir}`)

// The shop traffic scenario, one data file for every driver: the Locust scenario (locustfile.py,
// `make load` and the cluster's load Job, whose ConfigMap carries scenario.json beside it) and the
// TypeScript shoppers read the same pages, shares, password, ramp and thresholds.
import { join } from 'node:path'
import scenario from './scenario.json'

export { scenario }

/** scenario.json itself, for the tools that read it as a file (cdk8s, Locust). */
export const SCENARIO_FILE = join(__dirname, 'scenario.json')

export type Page = keyof typeof scenario.shopper.pages

/** The path of one of the scenario's pages, its `{id}` filled in. */
export function page(name: Page, id = ''): string {
  return scenario.shopper.pages[name].replace('{id}', id)
}

/**
 * The fault switches of the local stack's services (services/kit/src/faults.ts), set on each
 * service's admin listener. `make local-fault SERVICE=order-service FAULT=failDependency=product-service`
 * (or latencyMs=800, errorRate=0.2, off) runs it against the stack of `make local-up`.
 */
import { LOCAL_RUN_DIR, loadState, type StackState } from './stack'

export interface Faults {
  latencyMs?: number
  errorRate?: number
  failDependency?: string
}

/** PUT /admin/faults on one service's admin listener; returns the switches now in effect. */
export async function setFaults(state: StackState, service: string, faults: Faults) {
  const admin = state.adminUrls[service]
  if (!admin) {
    throw new Error(`no service ${service} (known: ${Object.keys(state.adminUrls).join(', ')})`)
  }
  const res = await fetch(`${admin}/admin/faults`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${state.faultAdminToken}`,
    },
    body: JSON.stringify(faults),
  })
  if (!res.ok) throw new Error(`PUT /admin/faults on ${service}: ${res.status} ${await res.text()}`)
  return (await res.json()) as Required<Faults>
}

/** `off`, or `name=value` of one switch: latencyMs=800, errorRate=0.2, failDependency=mysql. */
export function parseFault(text: string): Faults {
  if (text === 'off') return { latencyMs: 0, errorRate: 0, failDependency: '' }
  const [name, value = ''] = text.split('=', 2)
  switch (name) {
    case 'latencyMs':
    case 'errorRate': {
      const number = Number(value)
      if (value === '' || !Number.isFinite(number)) throw new Error(`${name} needs a number`)
      return { [name]: number }
    }
    case 'failDependency':
      return { failDependency: value }
    default:
      throw new Error(
        `FAULT=${text}: use off, latencyMs=<ms>, errorRate=<0..1> or failDependency=<name>`,
      )
  }
}

/** `local fault <service> <fault>`: sets one service's fault switch, prints what it is now. */
export async function localFault(service = '', fault = ''): Promise<void> {
  const now = await setFaults(loadState(LOCAL_RUN_DIR), service, parseFault(fault))
  console.log(`${service}: ${JSON.stringify(now)}`)
}

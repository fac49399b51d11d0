// Secrets cdk8s synthesizes without values (GENERATED_SECRET of cdk8s/src/security.ts): each key
// their annotation names gets a random value once; a later deploy keeps it (a database keeps the
// root password it was initialised with). The value never appears on a command line or in output.
import { randomBytes } from 'node:crypto'
import { GENERATED_SECRET } from '../../cdk8s/src/security'
import { kubectlPatch, list } from './kube'
import { say } from './steps'

type Secret = {
  metadata: { name: string; annotations?: Record<string, string> }
  data?: Record<string, string>
}

export async function fillGeneratedSecrets(namespace: string): Promise<void> {
  const secrets = await list<Secret>(
    'secret',
    '-n',
    namespace,
    '-l',
    `${GENERATED_SECRET.label}=true`,
  )
  for (const secret of secrets) {
    const keys = (secret.metadata.annotations?.[GENERATED_SECRET.keysAnnotation] ?? '')
      .split(',')
      .filter((key) => key !== '' && !secret.data?.[key])
    if (keys.length === 0) continue
    const data = Object.fromEntries(
      keys.map((key) => [key, Buffer.from(randomBytes(24).toString('base64')).toString('base64')]),
    )
    await kubectlPatch(namespace, `secret/${secret.metadata.name}`, 'merge', { data })
    say(`secret/${secret.metadata.name}: generated ${keys.join(', ')}`)
  }
}

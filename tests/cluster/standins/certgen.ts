/** kube-webhook-certgen's stand-in against a minimal HTTPS API server (Secrets, webhooks). */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type K8sObject } from '../../../dev/cluster/render'

/** A minimal API server: Secrets (GET, POST) and the two webhook configurations (GET, PUT). */
import { Runner, certgenJobs, containers, flag, mountable, scratch, upstream } from './lib'

const FAKE_API_SERVER = `
const https = require('node:https'), fs = require('node:fs')
const state = { secrets: {}, ...JSON.parse(process.env.WEBHOOKS) }
const save = () => fs.writeFileSync(process.env.STATE, JSON.stringify(state))
const server = https.createServer(
  { cert: fs.readFileSync(process.env.CERT), key: fs.readFileSync(process.env.KEY) },
  (req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const reply = (code, object) => {
        res.writeHead(code, { 'content-type': 'application/json' })
        res.end(JSON.stringify(object ?? { code }))
      }
      if (req.headers.authorization !== 'Bearer test-token') return reply(401)
      let m = /^\\/api\\/v1\\/namespaces\\/([^/]+)\\/secrets(?:\\/([^/]+))?$/.exec(req.url)
      if (m && req.method === 'GET' && m[2]) {
        const secret = state.secrets[m[1] + '/' + m[2]]
        return secret ? reply(200, secret) : reply(404)
      }
      if (m && req.method === 'POST' && !m[2]) {
        const secret = JSON.parse(body), key = m[1] + '/' + secret.metadata.name
        if (state.secrets[key]) return reply(409)
        state.secrets[key] = secret
        save()
        return reply(201, secret)
      }
      m = /^\\/apis\\/admissionregistration\\.k8s\\.io\\/v1\\/(\\w+webhookconfigurations)\\/([^/]+)$/.exec(req.url)
      const object = m && state[m[1]] && state[m[1]][m[2]]
      if (m && !object) return reply(404)
      if (m && req.method === 'GET') return reply(200, object)
      if (m && req.method === 'PUT') {
        state[m[1]][m[2]] = JSON.parse(body)
        save()
        return reply(200, state[m[1]][m[2]])
      }
      reply(405)
    })
  },
)
server.listen(0, '127.0.0.1', () => {
  save()
  fs.writeFileSync(process.env.PORT_FILE, String(server.address().port))
})
`
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

type WebhookConfigs = Record<string, { webhooks: { clientConfig: { caBundle?: string } }[] }>
interface FakeState {
  secrets: Record<string, { data: Record<string, string> }>
  validatingwebhookconfigurations: WebhookConfigs
  mutatingwebhookconfigurations: WebhookConfigs
}

export function certgenAgainstFakeApiServer(run: Runner) {
  const dir = join(scratch, 'apiserver')
  mkdirSync(dir, { mode: 0o755 })
  const [cert, key] = [join(dir, 'server.crt'), join(dir, 'server.key')]
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=fake-apiserver',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  const serviceAccount = mountable('serviceaccount', {
    token: 'test-token\n',
    'ca.crt': readFileSync(cert, 'utf8'),
  })
  const webhookConfigs = (kind: string) =>
    Object.fromEntries(
      upstream()
        .kps.filter((o) => o.kind === kind)
        .map((o) => [o.metadata.name, o]),
    )
  const webhooks = {
    validatingwebhookconfigurations: webhookConfigs('ValidatingWebhookConfiguration'),
    mutatingwebhookconfigurations: webhookConfigs('MutatingWebhookConfiguration'),
  }
  const [statePath, portFile] = [join(dir, 'state.json'), join(dir, 'port')]
  const server = spawn(process.execPath, ['-e', FAKE_API_SERVER], {
    env: {
      ...process.env,
      CERT: cert,
      KEY: key,
      STATE: statePath,
      PORT_FILE: portFile,
      WEBHOOKS: JSON.stringify(webhooks),
    },
    stdio: 'inherit',
  })
  try {
    for (let i = 0; i < 100 && !existsSync(portFile); i++) sleep(100)
    const port = readFileSync(portFile, 'utf8')
    const state = () => JSON.parse(readFileSync(statePath, 'utf8')) as FakeState
    const [create, patch] = certgenJobs()
    const pod = create!.spec.template.spec
    const options = [
      '--user',
      `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup ?? 0}`,
      '--volume',
      `${serviceAccount}:/var/run/secrets/kubernetes.io/serviceaccount:ro`,
      '--env',
      'KUBERNETES_SERVICE_HOST=127.0.0.1',
      '--env',
      `KUBERNETES_SERVICE_PORT=${port}`,
    ]
    const job = (j: K8sObject) => ['/kube-webhook-certgen', ...containers(j)[0]!.args!]
    const namespace = flag(create!, 'namespace')
    const secretKey = `${namespace}/${flag(create!, 'secret-name')}`

    const created = run(job(create!), options)
    assert.doesNotMatch(created, /\[exit status/, created)
    const secret = state().secrets[secretKey]
    assert.ok(secret, `no Secret ${secretKey} created: ${created}`)
    const pem = (k: string) => Buffer.from(secret.data[k]!, 'base64')
    const [ca, serving] = [new X509Certificate(pem('ca')), new X509Certificate(pem('cert'))]
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey), 'cert signed by ca')
    for (const host of flag(create!, 'host').split(','))
      assert.equal(serving.checkHost(host), host, `cert names ${host}`)
    assert.match(pem('key').toString(), /BEGIN PRIVATE KEY/)

    const again = run(job(create!), options)
    assert.match(again, /already exists/, again)
    assert.deepEqual(state().secrets[secretKey], secret, 'an existing Secret is kept')

    const patched = run(job(patch!), options)
    assert.doesNotMatch(patched, /\[exit status/, patched)
    const bundle = secret.data.ca
    for (const kind of Object.keys(webhooks) as (keyof typeof webhooks)[]) {
      const configs = Object.values(state()[kind])
      assert.ok(configs.length > 0, kind)
      for (const config of configs)
        for (const hook of config.webhooks) assert.equal(hook.clientConfig.caBundle, bundle, kind)
    }
    // And a refused request fails the Job (the checks above can fail).
    const refused = run(job(patch!), [
      ...options.slice(0, -1),
      '--env',
      'KUBERNETES_SERVICE_PORT=1',
    ])
    assert.match(refused, /\[exit status [1-9]/, refused)
  } finally {
    server.kill()
  }
}

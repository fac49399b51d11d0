import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { FormatRegistry } from '@sinclair/typebox'

/**
 * Ed25519 keys of the service tokens. A caller holds its private key (SERVICE_SIGNING_KEY), a
 * callee only the public keys of the callers it accepts: the internet-facing frontend holds
 * nothing with which it could speak for order-service.
 *
 * A key is written as PEM (PKCS#8 private, SPKI public) or, to fit one line of an env file, as
 * the base64 of the same DER bytes (`openssl genpkey -algorithm ed25519 -outform DER | base64`).
 */
export function privateServiceKey(text: string): KeyObject {
  const key = text.includes('-----BEGIN')
    ? createPrivateKey(text)
    : createPrivateKey({ key: fromBase64(text), format: 'der', type: 'pkcs8' })
  return ed25519(key)
}

export function publicServiceKey(text: string): KeyObject {
  // createPublicKey derives a public key from a private PEM: a callee must never hold one.
  if (/PRIVATE KEY/.test(text)) throw new Error('a private key where a public key belongs')
  const key = text.includes('-----BEGIN')
    ? createPublicKey(text)
    : createPublicKey({ key: fromBase64(text), format: 'der', type: 'spki' })
  return ed25519(key)
}

function fromBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new Error('neither PEM nor base64')
  return Buffer.from(compact, 'base64')
}

function ed25519(key: KeyObject): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key')
  return key
}

const parses = (parse: (text: string) => KeyObject) => (text: string) => {
  try {
    parse(text)
    return true
  } catch {
    return false
  }
}

/** Formats of the env schema: a key that does not parse stops the service at boot. */
export const PRIVATE_KEY_FORMAT = 'ed25519-private-key'
export const PUBLIC_KEY_FORMAT = 'ed25519-public-key'
if (!FormatRegistry.Has(PRIVATE_KEY_FORMAT))
  FormatRegistry.Set(PRIVATE_KEY_FORMAT, parses(privateServiceKey))
if (!FormatRegistry.Has(PUBLIC_KEY_FORMAT))
  FormatRegistry.Set(PUBLIC_KEY_FORMAT, parses(publicServiceKey))

/** A fresh key pair as one-line base64 DER, for the local stack, tests and installs. */
export function generateServiceKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  }
}

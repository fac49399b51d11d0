import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

/**
 * One of OWASP's equivalent scrypt minimums, the one using 16 MiB per hash (pods are small).
 * Stored with each hash, so it can be raised later without breaking existing logins.
 */
const COST = { N: 2 ** 14, r: 8, p: 5 }
const KEY_LENGTH = 64
const SALT_BYTES = 16
/** Refuses stored parameters that would let a bad row exhaust memory. */
const MAX_MEMORY = 64 * 1024 * 1024

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number) {
  return new Promise<Buffer>((resolve, reject) =>
    // Async scrypt runs on libuv's thread pool, so a login does not stall other requests.
    scrypt(password, salt, length, { ...options, maxmem: MAX_MEMORY }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** `scrypt$N$r$p$salt$hash` (base64): one column holds everything needed to verify. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await derive(password, salt, COST, KEY_LENGTH)
  const { N, r, p } = COST
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$')
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64')
  try {
    const actual = await derive(
      password,
      Buffer.from(salt, 'base64'),
      { N: Number(N), r: Number(r), p: Number(p) },
      expected.length,
    )
    return timingSafeEqual(actual, expected)
  } catch {
    return false
  }
}

let dummy: Promise<string> | undefined

/**
 * Spends the same work as a real check and fails, so an unknown email cannot be told
 * from a wrong password by the response time.
 */
export async function verifyNobody(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(SALT_BYTES).toString('hex'))
  await verifyPassword(password, await dummy)
  return false
}

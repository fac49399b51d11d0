import type { Knex } from 'knex'
import { conflict } from '@shopscope/kit'
import { hashPassword, verifyNobody, verifyPassword } from '../passwords'
import type { Credentials, Registration, User } from '@shopscope/contracts'

interface UserRow {
  id: number
  email: string
  name: string
  role: User['role']
  password_hash: string
}

const PUBLIC_COLUMNS = ['id', 'email', 'name', 'role']

const isDuplicateKey = (err: unknown) => (err as { code?: string }).code === 'ER_DUP_ENTRY'

/** Emails compare case-insensitively everywhere because they are stored lower-cased. */
const normalize = (email: string) => email.toLowerCase()

export class UserRepository {
  constructor(private readonly db: Knex) {}

  async create(registration: Registration, role: User['role'] = 'customer'): Promise<User> {
    const email = normalize(registration.email)
    const row = {
      email,
      name: registration.name,
      role,
      password_hash: await hashPassword(registration.password),
    }
    try {
      const [id] = await this.db('users').insert(row)
      return { id: Number(id), email, name: row.name, role }
    } catch (err) {
      if (isDuplicateKey(err)) throw conflict('An account with this email already exists')
      throw err
    }
  }

  /**
   * Creates the account unless the email exists; never touches an existing one. INSERT IGNORE
   * keeps replicas seeding at the same time from failing or duplicating it.
   */
  async createIfMissing(registration: Registration, role: User['role']): Promise<void> {
    const email = normalize(registration.email)
    // Checked first only to skip hashing on every start; the IGNORE below is the real guard.
    if (await this.db('users').where({ email }).first('id')) return
    await this.db('users')
      .insert({
        email,
        name: registration.name,
        role,
        password_hash: await hashPassword(registration.password),
      })
      .onConflict('email')
      .ignore()
  }

  async find(id: number): Promise<User | undefined> {
    return (await this.db('users').where({ id }).first(PUBLIC_COLUMNS)) as User | undefined
  }

  /** The user when the password matches; undefined otherwise, in about the same time. */
  async authenticate({ email, password }: Credentials): Promise<User | undefined> {
    const row = (await this.db('users')
      .where({ email: normalize(email) })
      .first([...PUBLIC_COLUMNS, 'password_hash'])) as UserRow | undefined
    if (!row) {
      await verifyNobody(password)
      return undefined
    }
    if (!(await verifyPassword(password, row.password_hash))) return undefined
    return { id: row.id, email: row.email, name: row.name, role: row.role }
  }
}

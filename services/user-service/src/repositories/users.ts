import type { Knex } from 'knex'
import { conflict, HttpProblem } from '@shopscope/kit'
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
const publicUser = ({ id, email, name, role }: UserRow): User => ({ id, email, name, role })

const isDuplicateKey = (err: unknown) => (err as { code?: string }).code === 'ER_DUP_ENTRY'

/** Emails compare case-insensitively everywhere because they are stored lower-cased. */
const normalize = (email: string) => email.toLowerCase()

export class UserRepository {
  constructor(private readonly db: Knex) {}

  /**
   * A new customer account; or, when the same email comes again with the same password, that
   * account (a retry after a lost answer signs in instead of failing); someone else's email is a
   * 409. `stillWanted` is asked once the password is hashed, just before the insert: a caller
   * that gave up in the meantime (and was told no account was made) gets none.
   */
  async register(
    registration: Registration,
    stillWanted: () => boolean = () => true,
  ): Promise<{ user: User; created: boolean }> {
    const email = normalize(registration.email)
    const existing = await this.findByEmail(email)
    if (existing) return this.sameOwner(existing, registration.password)
    const row = {
      email,
      name: registration.name,
      role: 'customer' as const,
      password_hash: await hashPassword(registration.password),
    }
    if (!stillWanted()) throw new HttpProblem(408, 'The caller gave up before the account was made')
    try {
      const [id] = await this.db('users').insert(row)
      return { user: { id: Number(id), email, name: row.name, role: row.role }, created: true }
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
      // The same email registered at the same moment: a double submit, or someone else.
      const winner = await this.findByEmail(email)
      if (!winner) throw err
      return this.sameOwner(winner, registration.password)
    }
  }

  private async sameOwner(row: UserRow, password: string): Promise<{ user: User; created: false }> {
    if (!(await verifyPassword(password, row.password_hash)))
      throw conflict('An account with this email already exists')
    return { user: publicUser(row), created: false }
  }

  private async findByEmail(email: string): Promise<UserRow | undefined> {
    return (await this.db('users')
      .where({ email })
      .first([...PUBLIC_COLUMNS, 'password_hash'])) as UserRow | undefined
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
    const row = await this.findByEmail(normalize(email))
    if (!row) {
      await verifyNobody(password)
      return undefined
    }
    if (!(await verifyPassword(password, row.password_hash))) return undefined
    return publicUser(row)
  }
}

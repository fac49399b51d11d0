import { Type, type Static } from '@sinclair/typebox'

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 })
/** Checked on login too, so an oversized password never reaches scrypt. */
export const Password = Type.String({ minLength: 8, maxLength: 128 })
export const UserName = Type.String({ minLength: 1, maxLength: 100 })

export const User = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    email: Type.String(),
    name: Type.String(),
    role: Type.Union([Type.Literal('customer'), Type.Literal('admin')]),
  },
  { $id: 'User' },
)
export type User = Static<typeof User>

export const Registration = Type.Object(
  { email: Email, password: Password, name: UserName },
  { additionalProperties: false },
)
export type Registration = Static<typeof Registration>

export const Credentials = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
)
export type Credentials = Static<typeof Credentials>

export const Session = Type.Object({
  token: Type.String(),
  /** Seconds until the token expires. */
  expiresIn: Type.Integer(),
  user: User,
})
export type Session = Static<typeof Session>

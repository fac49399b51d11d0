import { IdempotencyKey, MAX_QUANTITY, ProductId } from '@shopscope/contracts'
import { Type, type Static } from '@shopscope/kit'

// Page inputs. Extra fields (the form's _csrf, tracking parameters) are allowed on purpose; what
// a form passes on to an upstream is bounded by the same schema the upstream checks it with.

export const CatalogQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  q: Type.String({ maxLength: 100, default: '' }),
})
export type CatalogQuery = Static<typeof CatalogQuery>

export const NextQuery = Type.Object({ next: Type.String({ maxLength: 500, default: '/' }) })

export const LoginForm = Type.Object({
  email: Type.String({ maxLength: 254 }),
  password: Type.String({ maxLength: 128 }),
  next: Type.String({ maxLength: 500, default: '/' }),
})
export type LoginForm = Static<typeof LoginForm>

export const RegisterForm = Type.Object({
  name: Type.String({ maxLength: 100 }),
  email: Type.String({ maxLength: 254 }),
  password: Type.String({ maxLength: 128 }),
})
export type RegisterForm = Static<typeof RegisterForm>

export const AddToCartForm = Type.Object({
  productId: ProductId,
  quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY, default: 1 }),
})

/** 0 removes the line, like the remove button. */
export const QuantityForm = Type.Object({
  quantity: Type.Integer({ minimum: 0, maximum: MAX_QUANTITY }),
})

export const CheckoutForm = Type.Object({ idempotencyKey: IdempotencyKey })

import { Type, type Static } from '@shopscope/kit'

// Page inputs. Extra fields (the form's _csrf, tracking parameters) are allowed on purpose.

export const CatalogQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  q: Type.String({ maxLength: 100, default: '' }),
})
export type CatalogQuery = Static<typeof CatalogQuery>

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) })

export const ProductIdParams = Type.Object({
  productId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
})

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
  productId: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }),
  quantity: Type.Integer({ minimum: 1, maximum: 99, default: 1 }),
})

/** 0 removes the line, like the remove button. */
export const QuantityForm = Type.Object({ quantity: Type.Integer({ minimum: 0, maximum: 99 }) })

export const CheckoutForm = Type.Object({
  idempotencyKey: Type.String({ pattern: '^[A-Za-z0-9-]{8,64}$' }),
})

// Upstream answers (docs/services.md), as the frontend uses them.

export interface Product {
  id: number
  sku: string
  name: string
  description: string
  price: number
  stock: number
}

export interface ProductPage {
  items: Product[]
  page: number
  pageSize: number
  total: number
}

export interface User {
  id: number
  email: string
  name: string
  role: 'customer' | 'admin'
}

export interface SessionGrant {
  token: string
  expiresIn: number
  user: User
}

export interface CartItem {
  productId: number
  name: string
  unitPrice: number
  quantity: number
  lineTotal: number
}

export interface Cart {
  items: CartItem[]
  itemCount: number
  total: number
}

export interface OrderItem {
  productId: number
  name: string
  quantity: number
  unitPrice: number
}

export interface Order {
  id: number
  status: string
  items: OrderItem[]
  total: number
  createdAt: string
}

export interface OrderSummary {
  id: number
  status: string
  total: number
  createdAt: string
  itemCount?: number
}

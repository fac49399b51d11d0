import { Type } from '@shopscope/kit'

/** product-service needs nothing beyond the base and database variables. */
export const ProductEnv = Type.Object({})

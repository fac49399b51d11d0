import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { randomUUID } from 'node:crypto'
import { CartItemParams } from '@shopscope/contracts'
import { UpstreamUnavailable } from '@shopscope/kit'
import { isRejected, type OrderClient } from '../clients/orders'
import { AddToCartForm, CheckoutForm, QuantityForm } from '../schemas'
import { csrfToken, requireLogin, type SessionCookies, shopperOf } from '../session'
import { cartView, checkoutView, processingView } from '../views/cart'
import { page } from '../views/layout'

export const cartRoutes: FastifyPluginAsyncTypebox<{
  orders: OrderClient
  sessions: SessionCookies
}> = async (app, { orders, sessions }) => {
  app.addHook('preHandler', requireLogin)

  app.get('/cart', async (request, reply) => {
    const cart = await orders.cart(shopperOf(request).token)
    return page(reply, 'Cart', cartView(cart, csrfToken(reply)))
  })

  app.post('/cart/items', { schema: { body: AddToCartForm } }, async (request, reply) => {
    const { productId, quantity } = request.body
    const cart = await orders.addItem(shopperOf(request).token, productId, quantity)
    if (isRejected(cart)) {
      sessions.flash(reply, 'error', cart.rejected)
      return reply.redirect(`/products/${productId}`, 303)
    }
    const name = cart.items.find((item) => item.productId === productId)?.name ?? 'The product'
    sessions.flash(reply, 'success', `${name} was added to your cart.`)
    return reply.redirect('/cart', 303)
  })

  app.post(
    '/cart/items/:productId',
    { schema: { params: CartItemParams, body: QuantityForm } },
    async (request, reply) => {
      const { productId } = request.params
      const { quantity } = request.body
      const token = shopperOf(request).token
      const cart = await (quantity === 0
        ? orders.removeItem(token, productId)
        : orders.setQuantity(token, productId, quantity))
      if (isRejected(cart)) sessions.flash(reply, 'error', cart.rejected)
      return reply.redirect('/cart', 303)
    },
  )

  app.post(
    '/cart/items/:productId/remove',
    { schema: { params: CartItemParams } },
    async (request, reply) => {
      await orders.removeItem(shopperOf(request).token, request.params.productId)
      sessions.flash(reply, 'success', 'The item was removed from your cart.')
      return reply.redirect('/cart', 303)
    },
  )

  app.get('/checkout', async (request, reply) => {
    const cart = await orders.cart(shopperOf(request).token)
    if (cart.items.length === 0) {
      sessions.flash(reply, 'error', 'Your cart is empty: add a product before checking out.')
      return reply.redirect('/cart', 303)
    }
    return page(reply, 'Checkout', checkoutView(cart, randomUUID(), csrfToken(reply)))
  })

  app.post('/checkout', { schema: { body: CheckoutForm } }, async (request, reply) => {
    const { idempotencyKey } = request.body
    let order: Awaited<ReturnType<OrderClient['placeOrder']>>
    try {
      order = await orders.placeOrder(shopperOf(request).token, idempotencyKey)
    } catch (err) {
      // No answer in time: the order may still be confirmed (order-service finishes it, or the
      // same key does), so this is not a failure page. Re-submitting the same key is safe.
      if (!(err instanceof UpstreamUnavailable)) throw err
      request.log.warn({ reason: err.message }, 'checkout outcome unknown')
      reply.code(202)
      return page(reply, 'Order being processed', processingView(idempotencyKey, csrfToken(reply)))
    }
    if (isRejected(order) && order.reason === 'cart_checked_out') {
      sessions.flash(reply, 'error', `${order.rejected}.`)
      return reply.redirect('/orders', 303)
    }
    if (isRejected(order)) {
      const reason = /[.!]$/.test(order.rejected) ? order.rejected : `${order.rejected}.`
      sessions.flash(reply, 'error', `${reason} Please change your cart and try again.`)
      return reply.redirect('/cart', 303)
    }
    return reply.redirect(`/orders/${order.id}`, 303)
  })
}

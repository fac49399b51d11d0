import { html } from 'ghtml'
import { MAX_QUANTITY, type Cart, type CartItem } from '@shopscope/contracts'
import { csrfField, money, productTile } from './format'

function line(item: CartItem, csrfToken: string): string {
  const product = { id: item.productId, name: item.name }
  return html`<tr>
    <td>
      <div class="cart-product">
        !${productTile(product, 'small')}
        <a href="/products/${item.productId}">${item.name}</a>
      </div>
    </td>
    <td class="num">${money(item.unitPrice)}</td>
    <td>
      <form method="post" action="/cart/items/${item.productId}" class="qty-form">
        !${csrfField(csrfToken)}
        <label class="visually-hidden" for="qty-${item.productId}">Quantity of ${item.name}</label>
        <input
          id="qty-${item.productId}"
          type="number"
          name="quantity"
          value="${item.quantity}"
          min="0"
          max="${MAX_QUANTITY}"
          required
        />
        <button type="submit" class="button button-ghost button-small">
          Update<span class="visually-hidden"> quantity of ${item.name}</span>
        </button>
      </form>
    </td>
    <td class="num">${money(item.lineTotal)}</td>
    <td>
      <form method="post" action="/cart/items/${item.productId}/remove">
        !${csrfField(csrfToken)}
        <button type="submit" class="link-button danger" aria-label="Remove ${item.name}">
          Remove
        </button>
      </form>
    </td>
  </tr>`
}

function emptyCart(): string {
  return html`<div class="empty card">
    <p>Your cart is empty.</p>
    <a class="button" href="/">Continue shopping</a>
  </div>`
}

export function cartView(cart: Cart, csrfToken: string): string {
  if (cart.items.length === 0)
    return html`<h1>Your cart</h1>
      !${emptyCart()}`
  return html`<h1>Your cart</h1>
    <div class="card table-card">
      <table class="cart-table">
        <caption class="visually-hidden">
          Items in your cart
        </caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col" class="num">Price</th>
            <th scope="col">Quantity</th>
            <th scope="col" class="num">Total</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          !${cart.items.map((item) => line(item, csrfToken))}
        </tbody>
      </table>
    </div>
    <div class="summary card">
      <p class="summary-row">
        <span class="muted"
          >Subtotal, ${cart.itemCount} ${cart.itemCount === 1 ? 'item' : 'items'}</span
        >
        <strong class="price-large">${money(cart.total)}</strong>
      </p>
      <div class="actions">
        <a class="button button-ghost" href="/">Continue shopping</a>
        <a class="button" href="/checkout">Proceed to checkout</a>
      </div>
    </div>`
}

/** The idempotency key is drawn when the page renders, so submitting twice places one order. */
export function checkoutView(cart: Cart, idempotencyKey: string, csrfToken: string): string {
  return html`<h1>Checkout</h1>
    <div class="checkout-grid">
      <section class="card" aria-labelledby="summary-title">
        <h2 id="summary-title">Order summary</h2>
        <ul class="summary-list">
          !${cart.items.map(
            (item) =>
              html`<li>
                <span>${item.quantity} × ${item.name}</span>
                <span>${money(item.lineTotal)}</span>
              </li>`,
          )}
        </ul>
        <p class="summary-row total"><span>Total</span><strong>${money(cart.total)}</strong></p>
      </section>
      <section class="card">
        <h2>Payment</h2>
        <p class="muted">
          This is a demo shop: placing the order reserves the stock, no card is charged.
        </p>
        <form method="post" action="/checkout" data-traced="checkout">
          !${csrfField(csrfToken)}
          <input type="hidden" name="idempotencyKey" value="${idempotencyKey}" />
          <button type="submit" class="button button-block">
            Place order · ${money(cart.total)}
          </button>
        </form>
        <p><a href="/cart">Back to cart</a></p>
      </section>
    </div>`
}

/**
 * A checkout whose answer did not come in time: the order may still be confirmed. The form
 * sends the same idempotency key again, which can only complete that one order.
 */
export function processingView(idempotencyKey: string, csrfToken: string): string {
  return html`<h1>Your order is being processed</h1>
    <section class="card">
      <p>
        We could not confirm your order yet. If it goes through it will appear in
        <a href="/orders">your orders</a> within a few moments; you will not be charged twice.
      </p>
      <form method="post" action="/checkout" data-traced="checkout">
        !${csrfField(csrfToken)}
        <input type="hidden" name="idempotencyKey" value="${idempotencyKey}" />
        <button type="submit" class="button">Check again</button>
      </form>
      <p><a href="/orders">See your orders</a></p>
    </section>`
}

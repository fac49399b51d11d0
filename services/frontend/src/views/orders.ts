import { html } from 'ghtml'
import type { Order, OrderSummary } from '@shopscope/contracts'
import { money, productTile, when } from './format'

const statusBadge = (status: string): string =>
  html`<span class="badge badge-status badge-${status.replace(/[^a-z_-]/gi, '')}">${status}</span>`

export function ordersView(orders: OrderSummary[]): string {
  if (orders.length === 0) {
    return html`<h1>Your orders</h1>
      <div class="empty card">
        <p>You have not ordered anything yet.</p>
        <a class="button" href="/">Start shopping</a>
      </div>`
  }
  return html`<h1>Your orders</h1>
    <div class="card table-card">
      <table>
        <caption class="visually-hidden">
          Your orders, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Placed</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">Total</th>
          </tr>
        </thead>
        <tbody>
          !${orders.map(
            (order) =>
              html`<tr>
                <td><a href="/orders/${order.id}">Order #${order.id}</a></td>
                <td>${when(order.createdAt)}</td>
                <td>!${statusBadge(order.status)}</td>
                <td class="num">${money(order.total)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`
}

const HEADINGS: Record<string, (id: number) => string> = {
  confirmed: (id) =>
    html`<div class="check" aria-hidden="true">✓</div>
      <h1>Thank you, order #${id} confirmed</h1>
      <p>Your items are reserved and on their way to packing.</p>`,
  pending: (id) =>
    html`<h1>Order #${id} is being placed</h1>
      <p>We are reserving your items; refresh this page in a moment.</p>`,
  rejected: (id) =>
    html`<h1>Order #${id} could not be placed</h1>
      <p>Some items were out of stock. Nothing was charged.</p>`,
}

export function orderView(order: Order): string {
  const heading = HEADINGS[order.status] ?? ((id: number) => html`<h1>Order #${id}</h1>`)
  return html`<section class="confirmation card">
      !${heading(order.id)}
      <p class="muted">Placed ${when(order.createdAt)} · !${statusBadge(order.status)}</p>
    </section>
    <section class="card">
      <h2>Items</h2>
      <ul class="summary-list">
        !${order.items.map(
          (item) =>
            html`<li>
              <span class="cart-product">
                !${productTile({ id: item.productId, name: item.name }, 'small')}
                <span
                  >${item.quantity} × <a href="/products/${item.productId}">${item.name}</a></span
                >
              </span>
              <span>${money(item.unitPrice * item.quantity)}</span>
            </li>`,
        )}
      </ul>
      <p class="summary-row total"><span>Total</span><strong>${money(order.total)}</strong></p>
      <div class="actions">
        <a class="button button-ghost" href="/orders">All orders</a
        ><a class="button" href="/">Continue shopping</a>
      </div>
    </section>`
}

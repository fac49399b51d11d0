import { html } from 'ghtml'

const euros = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' })
const dates = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' })

export const money = (value: number): string => euros.format(value)

export function when(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dates.format(date)
}

const TILE_HUES = 8

/**
 * A generated picture for a product: its initials on a colour chosen from its id. Classes, not
 * inline styles, because the CSP forbids inline styles.
 */
export function productTile(
  product: { id: number; name: string },
  size: 'small' | 'large',
): string {
  const initials = product.name
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => word.charAt(0).toUpperCase())
    .join('')
  return html`<div class="tile tile-${size} hue-${product.id % TILE_HUES}" aria-hidden="true">
    <span>${initials}</span>
  </div>`
}

/** The hidden field every POST form carries. */
export const csrfField = (token: string): string =>
  html`<input type="hidden" name="_csrf" value="${token}" />`

export function stockLabel(stock: number): string {
  if (stock <= 0) return html`<span class="badge badge-out">Out of stock</span>`
  if (stock < 10) return html`<span class="badge badge-low">Only ${stock} left</span>`
  return html`<span class="badge badge-in">In stock</span>`
}

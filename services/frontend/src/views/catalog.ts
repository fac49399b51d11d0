import { html } from 'ghtml'
import { MAX_QUANTITY, type Product, type ProductPage } from '@shopscope/contracts'
import { csrfField, money, productTile, stockLabel } from './format'

export interface CatalogPage {
  result: ProductPage
  q: string
  signedIn: boolean
  csrfToken: string
}

function addToCart(product: Product, csrfToken: string, quantityField: boolean): string {
  if (product.stock <= 0) {
    return html`<button type="button" class="button" disabled>Out of stock</button>`
  }
  const max = Math.min(MAX_QUANTITY, product.stock)
  return html`<form method="post" action="/cart/items" class="add-form" data-traced="add-to-cart">
    !${csrfField(csrfToken)}
    <input type="hidden" name="productId" value="${product.id}" />
    !${
      quantityField
        ? html`<label class="field-inline"
            >Quantity
            <input type="number" name="quantity" value="1" min="1" max="${max}" required />
          </label>`
        : ''
    }
    <button type="submit" class="button">
      Add to cart<span class="visually-hidden">: ${product.name}</span>
    </button>
  </form>`
}

function card(product: Product, page: CatalogPage): string {
  return html`<li class="card product-card">
    !${productTile(product, 'small')}
    <div class="card-body">
      <h2 class="card-title"><a href="/products/${product.id}">${product.name}</a></h2>
      <p class="muted">${product.description}</p>
      <div class="card-footer">
        <span class="price">${money(product.price)}</span>
        !${stockLabel(product.stock)}
      </div>
      !${page.signedIn ? addToCart(product, page.csrfToken, false) : ''}
    </div>
  </li>`
}

function pageLink(page: number, q: string): string {
  const params = new URLSearchParams({ page: String(page) })
  if (q) params.set('q', q)
  return `/?${params}`
}

function pagination({ result, q }: CatalogPage): string {
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize))
  if (pages === 1 && result.page === 1) return ''
  const previous =
    result.page > 1
      ? html`<a class="button button-ghost" rel="prev" href="${pageLink(result.page - 1, q)}"
          >← Previous</a
        >`
      : html`<span></span>`
  const next =
    result.page < pages
      ? html`<a class="button button-ghost" rel="next" href="${pageLink(result.page + 1, q)}"
          >Next →</a
        >`
      : html`<span></span>`
  return html`<nav class="pagination" aria-label="Pages">
    !${previous}<span class="muted">Page ${result.page} of ${pages}</span>!${next}
  </nav>`
}

function results(page: CatalogPage): string {
  const { result, q } = page
  if (result.items.length === 0) {
    return html`<div class="empty card">
      <p>${q ? `No products match “${q}”.` : 'No products on this page.'}</p>
      <a class="button" href="/">Show all products</a>
    </div>`
  }
  return html`<ul class="product-grid" aria-label="Products">
    !${result.items.map((product) => card(product, page))}
  </ul>`
}

export function catalogView(page: CatalogPage): string {
  const { result, q } = page
  const count = `${result.total} ${result.total === 1 ? 'product' : 'products'}`
  return html`<section class="hero">
      <div>
        <h1>${q ? `Results for “${q}”` : 'Everything you need, delivered fast'}</h1>
        <p class="muted">${q ? `${count} found` : `${count} in the catalog`}</p>
      </div>
      <form method="get" action="/" role="search" class="search-form">
        <label for="q" class="visually-hidden">Search products</label>
        <input
          type="search"
          id="q"
          name="q"
          value="${q}"
          placeholder="Search products"
          maxlength="100"
        />
        <button type="submit" class="button">Search</button>
      </form>
    </section>
    !${results(page)} !${pagination(page)}`
}

export function productView(product: Product, signedIn: boolean, csrfToken: string): string {
  const buy = signedIn
    ? addToCart(product, csrfToken, true)
    : html`<a class="button" href="/login?next=${encodeURIComponent(`/products/${product.id}`)}"
        >Sign in to buy</a
      >`
  return html`<nav class="breadcrumbs" aria-label="Breadcrumb">
      <a href="/">Shop</a> / <span>${product.name}</span>
    </nav>
    <article class="product-detail card">
      !${productTile(product, 'large')}
      <div class="product-info">
        <h1>${product.name}</h1>
        <p class="price price-large">${money(product.price)}</p>
        <p>!${stockLabel(product.stock)} <span class="muted">SKU ${product.sku}</span></p>
        <p class="description">${product.description}</p>
        !${buy}
      </div>
    </article>`
}

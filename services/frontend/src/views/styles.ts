import { createHash } from 'node:crypto'

/** The whole stylesheet; kept in code so the build ships it without copying assets. */
export const STYLESHEET = `
:root {
  --bg: #f6f7fb;
  --surface: #ffffff;
  --text: #1d2330;
  --muted: #5d6677;
  --border: #e3e6ee;
  --primary: #4f46e5;
  --primary-dark: #3f37c9;
  --primary-soft: #eef0ff;
  --danger: #c62828;
  --success: #1b7f4b;
  --radius: 14px;
  --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 4px 16px rgb(16 24 40 / 6%);
  color-scheme: light;
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  display: flex;
  flex-direction: column;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--text);
  background: var(--bg);
}
a { color: var(--primary); text-decoration-thickness: 1px; text-underline-offset: 2px; }
a:hover { color: var(--primary-dark); }
:focus-visible { outline: 3px solid #a5b4fc; outline-offset: 2px; border-radius: 6px; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 1rem; letter-spacing: -0.01em; }
.hero h1, .product-info h1, .confirmation h1 { margin-bottom: .5rem; }
h2 { font-size: 1.15rem; margin: 0 0 .75rem; }
.container { width: min(1120px, 100% - 2rem); margin-inline: auto; }
main.container { flex: 1; padding-block: 2rem 3rem; }
.muted { color: var(--muted); }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
.skip-link { position: absolute; left: -999px; top: 0; background: var(--surface); padding: .5rem 1rem; z-index: 10; }
.skip-link:focus { left: 1rem; top: 1rem; }

/* Header and footer */
.site-header { background: var(--surface); border-bottom: 1px solid var(--border); position: sticky; top: 0; z-index: 5; }
.header-row { display: flex; align-items: center; gap: 2rem; min-height: 64px; }
.brand { display: flex; align-items: center; gap: .6rem; font-weight: 700; font-size: 1.2rem; color: var(--text); text-decoration: none; }
.brand-mark {
  display: grid; place-items: center; width: 34px; height: 34px; border-radius: 10px;
  background: linear-gradient(135deg, #6366f1, #a855f7); color: #fff; font-weight: 800;
}
.main-nav { display: flex; gap: .25rem; flex: 1; }
.main-nav a { padding: .45rem .8rem; border-radius: 8px; color: var(--muted); text-decoration: none; font-weight: 500; }
.main-nav a:hover { background: var(--bg); color: var(--text); }
.main-nav a[aria-current="page"] { background: var(--primary-soft); color: var(--primary-dark); }
.account { display: flex; align-items: center; gap: .9rem; }
.account > a:not(.button) { color: var(--muted); text-decoration: none; font-weight: 500; }
.greeting { color: var(--muted); }
.inline-form { display: inline; margin: 0; }
.site-footer { border-top: 1px solid var(--border); padding: 1.5rem 0; color: var(--muted); font-size: .9rem; background: var(--surface); }

/* Buttons and forms */
.button {
  display: inline-flex; align-items: center; justify-content: center; gap: .4rem;
  padding: .6rem 1.1rem; border: 1px solid var(--primary); border-radius: 10px;
  background: var(--primary); color: #fff; font: inherit; font-weight: 600;
  text-decoration: none; cursor: pointer; transition: background .15s, box-shadow .15s;
}
.button:hover { background: var(--primary-dark); color: #fff; }
.button:disabled { background: #c7cad3; border-color: #c7cad3; cursor: not-allowed; }
.button-ghost { background: var(--surface); color: var(--primary); border-color: var(--border); }
.button-ghost:hover { background: var(--primary-soft); color: var(--primary-dark); }
.button-small { padding: .35rem .75rem; font-size: .9rem; }
.button-block { width: 100%; }
.link-button { background: none; border: 0; padding: 0; font: inherit; color: var(--primary); cursor: pointer; text-decoration: underline; text-underline-offset: 2px; }
.link-button.danger { color: var(--danger); }
input[type="text"], input[type="email"], input[type="password"], input[type="search"], input[type="number"] {
  width: 100%; padding: .6rem .75rem; border: 1px solid #cfd4de; border-radius: 10px;
  font: inherit; color: var(--text); background: #fff;
}
label input { font-weight: 400; }
input:focus-visible { outline: 3px solid #c7d2fe; border-color: var(--primary); }
input[type="number"] { width: 5.5rem; }
label { display: grid; gap: .35rem; font-weight: 600; font-size: .95rem; }
.field-inline { display: flex; align-items: center; gap: .6rem; }
.hint { font-weight: 400; color: var(--muted); font-size: .85rem; }
.stack { display: grid; gap: 1rem; margin: 1.25rem 0; }
.form-error, .flash { padding: .8rem 1rem; border-radius: 10px; margin-bottom: 1.25rem; font-weight: 500; }
.form-error, .flash-error { background: #fdecec; color: #8e1c1c; border: 1px solid #f5c2c2; }
.flash-success { background: #e8f6ee; color: #14532d; border: 1px solid #b7e3c8; }

/* Cards and catalog */
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1.5rem; margin-bottom: 1.5rem; }
.hero {
  display: flex; flex-wrap: wrap; align-items: end; justify-content: space-between; gap: 1.5rem;
  padding: 2rem; margin-bottom: 2rem; border-radius: var(--radius); color: #fff;
  background: linear-gradient(120deg, #4338ca, #7c3aed 60%, #db2777);
}
.hero .muted { color: rgb(255 255 255 / 82%); margin: 0; }
.search-form { display: flex; gap: .5rem; min-width: min(420px, 100%); }
.search-form input { border-color: transparent; }
.search-form .button { background: #111827; border-color: #111827; }
.product-grid { list-style: none; padding: 0; margin: 0 0 2rem; display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); }
.product-card { display: flex; flex-direction: column; padding: 0; overflow: hidden; margin: 0; transition: transform .15s, box-shadow .15s; }
.product-card:hover { transform: translateY(-2px); box-shadow: 0 8px 24px rgb(16 24 40 / 12%); }
.product-card .tile { border-radius: 0; width: 100%; height: 150px; }
.card-body { display: flex; flex-direction: column; gap: .5rem; padding: 1rem 1.1rem 1.2rem; flex: 1; }
.card-title { font-size: 1.05rem; margin: 0; }
.card-title a { color: var(--text); text-decoration: none; }
.card-title a:hover { color: var(--primary); }
.card-body p { margin: 0; font-size: .92rem; flex: 1; }
.card-footer { display: flex; align-items: center; justify-content: space-between; gap: .5rem; }
.add-form { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin-top: .25rem; }
.product-card .add-form .button { width: 100%; }
.price { font-weight: 700; font-size: 1.1rem; }
.price-large { font-size: 1.6rem; font-weight: 800; margin: .25rem 0; }
.badge { display: inline-block; padding: .15rem .55rem; border-radius: 999px; font-size: .78rem; font-weight: 600; }
.badge-in, .badge-confirmed { background: #e8f6ee; color: var(--success); }
.badge-low { background: #fff4e0; color: #9a5b00; }
.badge-out, .badge-status.badge-rejected { background: #fdecec; color: var(--danger); }
.badge-status { text-transform: capitalize; background: var(--primary-soft); color: var(--primary-dark); }
.badge-status.badge-confirmed { background: #e8f6ee; color: var(--success); }

/* Generated product pictures: initials on a colour picked from the product id */
.tile { display: grid; place-items: center; border-radius: 12px; color: #fff; font-weight: 800; letter-spacing: .04em; text-shadow: 0 1px 2px rgb(0 0 0 / 20%); }
.tile-small { width: 44px; height: 44px; font-size: .95rem; flex: none; }
.product-card .tile-small { font-size: 2.2rem; }
.tile-large { width: 100%; aspect-ratio: 1; font-size: 5rem; }
.hue-0 { background: linear-gradient(135deg, #6366f1, #8b5cf6); }
.hue-1 { background: linear-gradient(135deg, #0ea5e9, #2563eb); }
.hue-2 { background: linear-gradient(135deg, #10b981, #0d9488); }
.hue-3 { background: linear-gradient(135deg, #f59e0b, #ea580c); }
.hue-4 { background: linear-gradient(135deg, #ec4899, #be185d); }
.hue-5 { background: linear-gradient(135deg, #14b8a6, #0891b2); }
.hue-6 { background: linear-gradient(135deg, #ef4444, #b91c1c); }
.hue-7 { background: linear-gradient(135deg, #64748b, #334155); }

.pagination { display: flex; align-items: center; justify-content: space-between; gap: 1rem; }
.breadcrumbs { margin-bottom: 1rem; color: var(--muted); font-size: .95rem; }
.product-detail { display: grid; grid-template-columns: minmax(220px, 380px) 1fr; gap: 2.5rem; align-items: start; padding: 2rem; }
.product-info h1 { font-size: 2.2rem; }
.description { font-size: 1.05rem; max-width: 60ch; }
.empty { text-align: center; padding: 3rem 1.5rem; }
.empty p { font-size: 1.1rem; margin-top: 0; }

/* Cart, checkout and orders */
.table-card { padding: 0; overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: .9rem 1.1rem; text-align: left; border-bottom: 1px solid var(--border); vertical-align: middle; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); background: #fafbfd; }
tbody tr:last-child td { border-bottom: 0; }
.num { text-align: right; white-space: nowrap; }
.cart-product { display: flex; align-items: center; gap: .75rem; }
.cart-product a { font-weight: 600; color: var(--text); }
.qty-form { display: flex; gap: .5rem; align-items: center; margin: 0; }
.summary { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 1rem; }
.summary .summary-row { gap: 1rem; }
.card > :last-child { margin-bottom: 0; }
.summary-row { display: flex; justify-content: space-between; align-items: center; margin: 0; }
.summary-row.total { border-top: 1px solid var(--border); padding-top: 1rem; margin-top: .5rem; font-size: 1.15rem; }
.actions { display: flex; gap: .75rem; justify-content: flex-end; flex-wrap: wrap; }
.summary-list { list-style: none; padding: 0; margin: 0; display: grid; gap: .75rem; }
.summary-list li { display: flex; justify-content: space-between; align-items: center; gap: 1rem; }
.checkout-grid { display: grid; grid-template-columns: 1.4fr 1fr; gap: 1.5rem; align-items: start; }
.checkout-grid .card { margin: 0; }
.confirmation { text-align: center; padding: 2.5rem 1.5rem; }
.confirmation h1 { margin-top: .75rem; }
.confirmation p { margin: .35rem 0; }
.card > .actions { margin-top: 1.5rem; }
.summary > .actions { margin-top: 0; }
.check { display: inline-grid; place-items: center; width: 64px; height: 64px; border-radius: 50%; background: #e8f6ee; color: var(--success); font-size: 2rem; font-weight: 800; }

/* Sign in and errors */
.auth { max-width: 440px; margin: 1rem auto; padding: 2rem; }
.error-page { max-width: 560px; margin: 2rem auto; text-align: center; padding: 2.5rem 2rem; }
.error-reference { font-size: 0.85rem; color: var(--muted); overflow-wrap: anywhere; }
.error-code { font-size: 3.5rem; font-weight: 800; margin: 0; color: var(--primary); line-height: 1; }

@media (max-width: 760px) {
  .header-row { flex-wrap: wrap; gap: .75rem; padding-block: .6rem; }
  .main-nav { order: 3; flex-basis: 100%; }
  .product-detail, .checkout-grid { grid-template-columns: 1fr; }
  .hero { padding: 1.5rem; }
  h1 { font-size: 1.5rem; }
}
@media (prefers-reduced-motion: reduce) {
  * { transition: none !important; }
}
`

export const STYLESHEET_ETAG = `"${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 16)}"`

/** Versioned by content, so the file can be cached for a year and still change on deploy. */
export const STYLESHEET_URL = `/static/app.css?v=${STYLESHEET_ETAG.slice(1, 9)}`

/** The brand mark; browsers ask for /favicon.ico on every site. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
<stop offset="0" stop-color="#6366f1"/><stop offset="1" stop-color="#a855f7"/></linearGradient></defs>
<rect width="32" height="32" rx="8" fill="url(#g)"/>
<text x="16" y="22" font-family="system-ui, sans-serif" font-size="18" font-weight="800"
 text-anchor="middle" fill="#fff">S</text></svg>`

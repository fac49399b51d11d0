import type { Knex } from 'knex'

/** The catalog of the original report; inserted once, never overwritten (stock is live data). */
export const CATALOG = [
  {
    sku: 'LAPTOP-PRO',
    name: 'Laptop Pro',
    price_cents: 129999,
    description: '14-inch laptop, 16 GB RAM, 1 TB SSD.',
  },
  {
    sku: 'SMARTPHONE-X',
    name: 'Smartphone X',
    price_cents: 89999,
    description: '6.1-inch OLED screen, 128 GB.',
  },
  {
    sku: 'CASQUE-SANS-FIL',
    name: 'Casque Sans Fil',
    price_cents: 19999,
    description: 'Wireless headphones with noise cancelling.',
  },
  {
    sku: 'TABLETTE-PRO',
    name: 'Tablette Pro',
    price_cents: 64999,
    description: '11-inch tablet with stylus support.',
  },
  {
    sku: 'MONTRE-CONNECTEE',
    name: 'Montre Connectée',
    price_cents: 29999,
    description: 'Smartwatch with heart-rate and GPS.',
  },
  {
    sku: 'APPAREIL-PHOTO',
    name: 'Appareil Photo',
    price_cents: 74999,
    description: '24 MP mirrorless camera with kit lens.',
  },
  {
    sku: 'ENCEINTE-BT',
    name: 'Enceinte Bluetooth',
    price_cents: 8999,
    description: 'Waterproof portable speaker.',
  },
  {
    sku: 'CLAVIER-MECA',
    name: 'Clavier Mécanique',
    price_cents: 12999,
    description: 'Mechanical keyboard, brown switches.',
  },
  {
    sku: 'SOURIS-GAMING',
    name: 'Souris Gaming',
    price_cents: 5999,
    description: '16000 DPI gaming mouse.',
  },
  {
    sku: 'WEBCAM-HD',
    name: 'Webcam HD',
    price_cents: 4999,
    description: '1080p webcam with microphone.',
  },
]

export const INITIAL_STOCK = 100

export async function seed(db: Knex): Promise<void> {
  await db('products')
    .insert(CATALOG.map((p) => ({ ...p, stock: INITIAL_STOCK })))
    .onConflict('sku')
    .ignore()
}

/* global require, process, console, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- a plain CommonJS script, run with node */
// Minimal reproduction, plain Node and the stock package only (no shopscope code):
//   STOCK_DIR=~/.cache/shopscope/stock-nodejs-0.82.0 node tests/bench/stock/repro-undefined-span-name.js
// The stock SDK accepts a span whose name is undefined (what instrumentation-knex 0.68.0 starts
// for a raw query when it finds no database name in knex's connection settings), and the OTLP
// protobuf serializer then throws in the BatchSpanProcessor's timer: an uncaught TypeError that
// ends the process. No collector is needed: serialization fails before anything is sent.
'use strict'
const { join } = require('node:path')

const stock = process.env.STOCK_DIR
if (!stock) throw new Error('STOCK_DIR is required')
const pkg = join(stock, 'node_modules/@opentelemetry')
const resolve = (id) => require.resolve(id, { paths: [stock] })

process.env.OTEL_SERVICE_NAME ??= 'repro'
process.env.OTEL_EXPORTER_OTLP_ENDPOINT ??= 'http://127.0.0.1:9'
process.env.OTEL_EXPORTER_OTLP_PROTOCOL ??= 'http/protobuf'
process.env.OTEL_METRICS_EXPORTER ??= 'none'
process.env.OTEL_LOGS_EXPORTER ??= 'none'
process.env.OTEL_BSP_SCHEDULE_DELAY ??= '100'

// What `--require @opentelemetry/auto-instrumentations-node/register` does.
require(resolve('@opentelemetry/auto-instrumentations-node/register'))
const { trace } = require(resolve('@opentelemetry/api'))

// 1. instrumentation-knex's span name for a query without a method (knex.raw) and no database
//    name: getName(db, operation, table) returns db, i.e. undefined.
const knexDir = join(pkg, 'instrumentation-knex')
const utils = require('node:fs').existsSync(join(knexDir, 'dist'))
  ? join(knexDir, 'dist/utils.cjs') // 0.68.0 (auto-instrumentations-node 0.82.0)
  : join(knexDir, 'build/src/utils.js') // 0.52.0 (auto-instrumentations-node 0.66.0)
const { getName } = require(utils)
console.log('instrumentation-knex getName(undefined, undefined, undefined) =', getName())

// 2. The SDK keeps that name, and the exporter crashes on it.
trace.getTracer('repro').startSpan(getName()).end()
setTimeout(() => console.log('still running after 3 s: no crash'), 3000)

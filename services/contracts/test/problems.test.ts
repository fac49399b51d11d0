import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  isPassedOn,
  isProblem,
  OutOfStockProblem,
  PassedOnProblem,
  Problem,
  PROBLEM_TYPE_BASE,
  PROBLEMS,
  UnknownProductProblem,
} from '../src'

const problemOf = (reason: keyof typeof PROBLEMS, members: object) => ({
  type: PROBLEMS[reason].type,
  title: 'Title',
  status: PROBLEMS[reason].status,
  reason,
  ...members,
})

describe('problem contracts', () => {
  it('name each problem type after its reason, so the two cannot drift apart', () => {
    for (const [reason, { type }] of Object.entries(PROBLEMS)) {
      assert.equal(type, `${PROBLEM_TYPE_BASE}${reason.replaceAll('_', '-')}`)
    }
  })

  it('describe answers the generic Problem schema (the one routes declare) also accepts', () => {
    const samples = [
      [OutOfStockProblem, problemOf('out_of_stock', { productId: 4, available: 0 })],
      [UnknownProductProblem, problemOf('unknown_product', { productId: 4242 })],
      [PassedOnProblem, problemOf('dependency_unavailable', { dependency: 'database' })],
    ] as const
    for (const [schema, body] of samples) {
      assert.ok(isProblem(schema, body), body.reason)
      assert.ok(isProblem(Problem, body), body.reason)
    }
  })

  it('refuse an out-of-stock answer without the productId a caller needs', () => {
    assert.equal(isProblem(OutOfStockProblem, problemOf('out_of_stock', {})), false)
    assert.equal(isProblem(OutOfStockProblem, problemOf('empty_cart', { productId: 4 })), false)
  })

  it('tell a failure passed on from a dependency by its `dependency` member', () => {
    assert.equal(isPassedOn(problemOf('dependency_unavailable', { dependency: 'database' })), true)
    assert.equal(
      isPassedOn({ type: 'about:blank', title: 'Service Unavailable', status: 503 }),
      false,
    )
    for (const body of [undefined, null, 'text', { dependency: '' }, { dependency: 3 }]) {
      assert.equal(isPassedOn(body), false, JSON.stringify(body))
    }
  })
})

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { GateFull, HashingGate } from '../src/hashing-gate'

/** Work that runs until released, recording that it started. */
function blocker(started: string[], name: string) {
  let release = () => {}
  const done = new Promise<void>((resolve) => (release = resolve))
  return {
    release: () => release(),
    work: async () => {
      started.push(name)
      await done
      return name
    },
  }
}

describe('HashingGate', () => {
  it('runs `concurrency` at once, queues `queue`, refuses the next before starting it', async () => {
    const gate = new HashingGate({ concurrency: 1, queue: 1, maxWaitMs: 10_000, perClient: 9 })
    const started: string[] = []
    const a = blocker(started, 'a')
    const b = blocker(started, 'b')
    const c = blocker(started, 'c')
    const ra = gate.run('x', a.work)
    const rb = gate.run('x', b.work)
    await assert.rejects(gate.run('x', c.work), GateFull)
    await new Promise(setImmediate)
    assert.deepEqual(started, ['a'])
    a.release()
    assert.equal(await ra, 'a')
    b.release()
    assert.equal(await rb, 'b')
    assert.deepEqual(started, ['a', 'b'], 'the refused work never ran')
    // Slots are given back: the gate admits again.
    const d = blocker(started, 'd')
    const rd = gate.run('x', d.work)
    d.release()
    assert.equal(await rd, 'd')
  })

  it('refuses a queued caller after maxWaitMs, without running its work', async () => {
    const gate = new HashingGate({ concurrency: 1, queue: 5, maxWaitMs: 50, perClient: 9 })
    const started: string[] = []
    const a = blocker(started, 'a')
    const ra = gate.run('x', a.work)
    const t0 = Date.now()
    const refused = await gate.run('x', blocker(started, 'late').work).catch((err: unknown) => err)
    assert.ok(refused instanceof GateFull)
    assert.equal(refused.retryAfterSeconds, 1)
    assert.ok(Date.now() - t0 < 2_000, 'the wait is bounded')
    a.release()
    await ra
    assert.deepEqual(started, ['a'])
  })

  it('runs one hash per client: a flood from one address leaves the other slot free', async () => {
    const gate = new HashingGate({ concurrency: 2, queue: 10, maxWaitMs: 10_000, perClient: 2 })
    const started: string[] = []
    const [a, b, c] = ['a', 'b', 'c'].map((name) => blocker(started, name))
    const ra = gate.run('flood', a!.work)
    const rb = gate.run('flood', b!.work)
    // Over its share: refused; its second waits although a slot is free.
    await assert.rejects(gate.run('flood', blocker(started, 'x').work), GateFull)
    const rc = gate.run('shopper', c!.work)
    await new Promise(setImmediate)
    assert.deepEqual(started, ['a', 'c'])
    c!.release()
    assert.equal(await rc, 'c')
    a!.release()
    assert.equal(await ra, 'a')
    b!.release()
    assert.equal(await rb, 'b')
    assert.deepEqual(started, ['a', 'c', 'b'])
    // Its share is given back too.
    assert.equal(await gate.run('flood', async () => 'again'), 'again')
  })

  it('gives the slot back when the work fails', async () => {
    const gate = new HashingGate({ concurrency: 1, queue: 0, maxWaitMs: 50, perClient: 9 })
    await assert.rejects(
      gate.run('x', async () => Promise.reject(new Error('boom'))),
      /boom/,
    )
    assert.equal(await gate.run('x', async () => 'ok'), 'ok')
  })
})

import { it } from 'node:test'
import assert from 'node:assert/strict'
import { freePort } from '@shopscope/tests/harness'

// Single-service tests draw ports with freePort before anything binds (the local stack no longer
// does: dev/local/ports.ts, tests/app/local-ports.test.ts): a port drawn twice is two
// processes on one port (EADDRINUSE), so no draw may repeat an earlier one.
it('never hands out a port twice in one process', async () => {
  const ports: number[] = []
  for (let i = 0; i < 2000; i++) ports.push(await freePort())
  assert.equal(new Set(ports).size, ports.length)
})

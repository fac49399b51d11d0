import assert from 'node:assert/strict'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  ALL_SERVICES,
  SERVICES_BY_DEPENDENCY,
  SERVICES_WITH_DATABASE,
  cacheDir,
  dependencyUrlEnv,
  parseVersions,
  pinned,
  readVersions,
  serviceUrlEnv,
  type ServiceName,
} from '../src'

/** Each service's own definition (name, default port, env schema, database), as it runs. */
async function definition(name: ServiceName) {
  const module = (await import(
    join(__dirname, '..', '..', 'services', name, 'src', 'service')
  )) as {
    service: {
      name: string
      defaultPort: number
      database?: unknown
      env: { properties: Record<string, unknown> }
    }
  }
  return module.service
}

describe('the model of the services', () => {
  for (const model of ALL_SERVICES) {
    it(`${model.name}: name, port and database are its own definition's`, async () => {
      const own = await definition(model.name)
      assert.equal(own.name, model.name)
      assert.equal(own.defaultPort, model.port)
      assert.equal(own.database !== undefined, model.database !== null)
    })

    it(`${model.name}: its dependencies are exactly the service URLs its environment asks for`, async () => {
      const own = await definition(model.name)
      const asked = Object.keys(own.env.properties).filter((key) => /_SERVICE_URL$/.test(key))
      const urlEnvs = model.dependencies.map((d) => ALL_SERVICES.find((s) => s.name === d)!.urlEnv)
      assert.deepEqual(asked.sort(), urlEnvs.sort())
    })
  }

  it('start order puts every service after the services it calls', () => {
    assert.deepEqual(
      SERVICES_BY_DEPENDENCY.map((s) => s.name),
      ['user-service', 'product-service', 'order-service', 'frontend'],
    )
    assert.deepEqual(
      SERVICES_WITH_DATABASE.map((s) => s.database),
      ['users', 'products', 'orders'],
    )
  })

  it("the URL variables: a stack sets every called service's, a service reads its dependencies'", () => {
    assert.deepEqual(
      serviceUrlEnv((s) => `http://${s}`),
      {
        USER_SERVICE_URL: 'http://user-service',
        PRODUCT_SERVICE_URL: 'http://product-service',
        ORDER_SERVICE_URL: 'http://order-service',
      },
    )
    assert.deepEqual(
      dependencyUrlEnv('order-service', (s) => `http://${s}`),
      {
        PRODUCT_SERVICE_URL: 'http://product-service',
      },
    )
    assert.deepEqual(
      dependencyUrlEnv('user-service', (s) => `http://${s}`),
      {},
    )
  })
})

describe('the machine', () => {
  it('the cache folder is SHOPSCOPE_CACHE when set and not empty, as in the shell scripts', () => {
    const home = join(homedir(), '.cache', 'shopscope')
    assert.equal(cacheDir({ SHOPSCOPE_CACHE: '/elsewhere' }), '/elsewhere')
    assert.equal(cacheDir({ SHOPSCOPE_CACHE: '' }), home)
    assert.equal(cacheDir({}), home)
  })

  it("versions.env: the repository's pins, references resolved, a missing pin named", () => {
    assert.match(pinned(readVersions(), 'KUBERNETES_VERSION'), /^\d+\.\d+\.\d+$/)
    const versions = parseVersions('# comment\nA=1\nB=x-${A}\n')
    assert.deepEqual(versions, { A: '1', B: 'x-1' })
    assert.throws(() => pinned(versions, 'C'), /C is not pinned/)
    assert.throws(() => parseVersions('B=${A}'), /B refers to unknown A/)
  })
})

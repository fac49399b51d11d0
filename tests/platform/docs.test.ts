// The docs stay true to the tree: every relative link in README.md and docs/ reaches a file (and
// a heading, when it names one), the README stays short and keeps the two set-up commands CI and
// a newcomer run, and docs/services.md names every source file of the services.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@shopscope/system'
import { tableIn } from '../bench/readme-targets'

const README_MAX_LINES = 250

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return markdownFiles(path)
    return entry.name.endsWith('.md') ? [path] : []
  })
}

/** The text outside fenced code blocks: a link in a shell example is no link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
}

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')
}

function anchors(file: string): Set<string> {
  const headings = prose(readFileSync(file, 'utf8')).matchAll(/^#{1,6} (.+)$/gm)
  return new Set([...headings].map(([, heading = '']) => slug(heading)))
}

/** [text](target) and ![alt](target), without the titles some links carry. */
function links(file: string): string[] {
  const text = prose(readFileSync(file, 'utf8'))
  return [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
    ([, target = '']) => target,
  )
}

const DOCS = [join(REPO_ROOT, 'README.md'), ...markdownFiles(join(REPO_ROOT, 'docs'))]

describe('links in README.md and docs/', () => {
  it('finds the files and their links', () => {
    assert.ok(DOCS.length > 2, 'no docs found')
    assert.ok(links(join(REPO_ROOT, 'README.md')).length > 0, 'README.md has no links')
  })

  for (const file of DOCS) {
    const name = relative(REPO_ROOT, file)
    it(`${name}: every relative link reaches a file, and a heading when it names one`, () => {
      for (const target of links(file)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
        const [path = '', anchor] = target.split('#')
        const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path))
        assert.ok(existsSync(resolved), `${name}: ${target} does not exist`)
        if (anchor === undefined || !resolved.endsWith('.md') || statSync(resolved).isDirectory())
          continue
        assert.ok(
          anchors(resolved).has(anchor),
          `${name}: ${target}: no heading "${anchor}" in ${relative(REPO_ROOT, resolved)}`,
        )
      }
    })
  }

  it('reads links and anchors as GitHub does, outside code blocks', () => {
    assert.deepEqual(links('/dev/null'), [])
    const sample =
      'see [a](docs/x.md#y) and ![b](img/c.png "t")\n```sh\n[no](link.md)\n```\n# A `b` c: d\n'
    assert.equal([...prose(sample).matchAll(/\]\(([^)]+)\)/g)].length, 2)
    assert.equal(slug('Where `runbook_url` leads'), 'where-runbook_url-leads')
    assert.equal(slug('kind: `make cluster-up`'), 'kind-make-cluster-up')
  })
})

describe('README.md', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')

  it(`has at most ${README_MAX_LINES} lines`, () => {
    const lines = readme.trimEnd().split('\n').length
    assert.ok(lines <= README_MAX_LINES, `README.md: ${lines} lines`)
  })

  it('shows the two set-up commands, make test being what .ci/run runs', () => {
    const commands = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map(
      ([, block = '']) => block,
    )
    const lines = commands
      .flatMap((block) => block.split('\n'))
      .map((line) => line.replace(/\s+#.*$/, ''))
    assert.ok(lines.includes('make deps local-up'), 'no `make deps local-up` in a sh block')
    assert.ok(lines.includes('make test'), 'no `make test` in a sh block')
    assert.match(readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8'), /^make test 2>&1/m)
  })

  it("shows the last committed make bench's targets, as that run wrote them", () => {
    const latest = readFileSync(join(REPO_ROOT, 'tests/bench/results/latest.md'), 'utf8')
    const section = latest.slice(latest.indexOf('\n## Targets\n')).split('\n')
    const table = section.filter((line) => line.startsWith('|')).join('\n')
    assert.ok(table.length > 0, 'latest.md has no ## Targets table')
    assert.equal(
      tableIn(readme),
      table,
      'README.md: the targets differ from latest.md (make bench writes both)',
    )
  })
})

describe('make targets the docs name', () => {
  // make's own database (-p), so targets a macro defines (tool-helm, tool-locust) count too.
  const database = spawnSync('make', ['-pRrq', '__no_such_goal__'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  }).stdout
  const targets = new Set(
    [...database.matchAll(/^([a-zA-Z0-9_.-]+):(?!=)/gm)].map(([, t = '']) => t),
  )

  /** `make a b` in inline code, and in the lines of sh code blocks. */
  function named(file: string): string[] {
    const text = readFileSync(file, 'utf8')
    const blocks = [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].flatMap(([, block = '']) =>
      block.split('\n'),
    )
    const spans = [...[...text.matchAll(/`([^`\n]+)`/g)].map(([, span = '']) => span), ...blocks]
    return spans.flatMap((span) =>
      [
        ...span
          .replace(/\s#.*$/, '')
          .matchAll(/(?:^|[\s;(&|])make((?: +[a-z][a-z0-9-]*(?![=\w]))+)/g),
      ].flatMap(([, words = '']) => words.trim().split(/ +/)),
    )
  }

  it('reads targets from the makefiles and the commands from the docs', () => {
    assert.ok(targets.has('test') && targets.has('local-up'), 'no targets read')
    assert.deepEqual(named('/dev/null'), [])
  })

  for (const file of DOCS.filter((path) => !path.includes('/runbooks/'))) {
    it(`${relative(REPO_ROOT, file)}: every make target it names exists`, () => {
      for (const target of named(file)) {
        assert.ok(
          targets.has(target),
          `${relative(REPO_ROOT, file)}: make ${target}: no such target`,
        )
      }
    })
  }
})

describe('docs/services.md', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/services.md'), 'utf8')
  const services = readdirSync(join(REPO_ROOT, 'services')).filter((dir) =>
    existsSync(join(REPO_ROOT, 'services', dir, 'src/service.ts')),
  )
  const layout = (name: string) =>
    doc.match(new RegExp(`^\`\`\`\\nservices/${name}/\\n([\\s\\S]*?)^\`\`\`$`, 'm'))?.[1] ?? ''
  /** What the build or npm makes, the tests, and the package files: not listed per service. */
  const UNLISTED = [
    'dist',
    'node_modules',
    'test',
    'package.json',
    'tsconfig.json',
    'tsconfig.tsbuildinfo',
  ]
  const filesUnder = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
    )
  const filesOf = (service: string): string[] => {
    const root = join(REPO_ROOT, 'services', service)
    return readdirSync(root)
      .filter((entry) => !UNLISTED.includes(entry))
      .flatMap((entry) =>
        statSync(join(root, entry)).isDirectory()
          ? filesUnder(join(root, entry))
          : [join(root, entry)],
      )
      .map((file) => relative(root, file))
  }
  const source = (service: string, file: string) =>
    readFileSync(join(REPO_ROOT, 'services', service, file), 'utf8')
  /** The files at the top of the shape, before its first folder: every service has them. */
  const shared = [...layout('<name>').matchAll(/^ {2}(src\/[\w.-]+\.ts)\b/gm)].map(
    ([, f = '']) => f,
  )

  it('finds the four services', () => {
    assert.deepEqual(services.sort(), [
      'frontend',
      'order-service',
      'product-service',
      'user-service',
    ])
  })

  it('names the five files of the shape every service has', () => {
    assert.deepEqual(shared, [
      'src/server.ts',
      'src/service.ts',
      'src/app.ts',
      'src/config.ts',
      'src/metrics.ts',
    ])
  })

  for (const service of services) {
    it(`names every file of services/${service} in its layout, and no file it lacks`, () => {
      const block = layout(service)
      assert.ok(block, `docs/services.md: no layout block starting "services/${service}/"`)
      const present = filesOf(service)
      assert.ok(present.includes('src/app.ts') && present.includes('Dockerfile'))
      for (const file of present)
        assert.ok(block.includes(file), `docs/services.md: ${service}: ${file} missing`)
      for (const [named = ''] of block.matchAll(/\b(?:src|web|scripts)\/[\w./-]+\.\w+\b/g)) {
        assert.ok(present.includes(named), `docs/services.md: ${service}: ${named} does not exist`)
      }
    })

    it(`services/${service} has the shape's files`, () => {
      for (const file of shared)
        assert.ok(filesOf(service).includes(file), `services/${service}/${file} missing`)
    })

    it(`services/${service}: metrics in src/metrics.ts, dependencies as options, the user tagged by kit`, () => {
      const sources = filesOf(service).filter((file) => /^src\/.*\.ts$/.test(file))
      for (const file of sources) {
        const text = source(service, file)
        if (file !== 'src/metrics.ts') {
          assert.doesNotMatch(
            text,
            /\bpromClient\.(?!Registry\b)|from 'prom-client'/,
            `${service}/${file}`,
          )
        }
        assert.doesNotMatch(text, /\.decorate\(/, `${service}/${file}: pass it as a plugin option`)
        assert.doesNotMatch(text, /'user\.id'/, `${service}/${file}: kit's userTagger sets it`)
      }
    })
  }
})

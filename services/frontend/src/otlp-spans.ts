/**
 * What the frontend's relay accepts from a browser (OTLP/JSON trace export) and what it sends
 * on: a copy rebuilt field by field, within limits, so nothing the client adds reaches the
 * Collector, and every span is the browser's (service.name frontend-web), whatever its resource
 * claimed. Anything malformed is refused whole (BadSpans, a 400).
 */
export const BROWSER_SERVICE_NAME = 'frontend-web'

export const LIMITS = {
  resourceSpans: 4,
  scopeSpans: 16,
  spans: 512,
  attributes: 64,
  events: 64,
  links: 8,
  stringLength: 4096,
  keyLength: 256,
  arrayValues: 64,
}

/** Resource attributes a browser may set besides service.name (the SDK's own, the user agent). */
const RESOURCE_KEYS =
  /^(telemetry\.sdk\.(language|name|version)|user_agent\.original|browser\.[a-z_.]+)$/

export class BadSpans extends Error {}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function fail(where: string, what: string): never {
  throw new BadSpans(`${where}: ${what}`)
}

function list(value: unknown, max: number, where: string): unknown[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) fail(where, 'must be an array')
  if (value.length > max) fail(where, `at most ${max} items`)
  return value
}

function text(value: unknown, where: string, max = LIMITS.stringLength): string {
  if (typeof value !== 'string') fail(where, 'must be a string')
  if (value.length > max) fail(where, `at most ${max} characters`)
  return value
}

function optionalText(value: unknown, where: string, max?: number): string | undefined {
  return value === undefined || value === null ? undefined : text(value, where, max)
}

function hexId(value: unknown, length: number, where: string, optional = false): string {
  if (optional && (value === undefined || value === '')) return ''
  if (typeof value !== 'string' || !new RegExp(`^[0-9a-f]{${length}}$`).test(value)) {
    fail(where, `must be ${length} lowercase hex digits`)
  }
  if (/^0+$/.test(value)) fail(where, 'must not be all zeros')
  return value
}

/** Nanoseconds since the epoch: OTLP/JSON sends them as decimal strings (or numbers). */
function nanos(value: unknown, where: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value)
  if (typeof value === 'string' && /^[0-9]{1,20}$/.test(value)) return value
  fail(where, 'must be a non-negative integer (nanoseconds)')
}

function integer(value: unknown, min: number, max: number, where: string): number {
  if (value === undefined) return min
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(where, `must be an integer from ${min} to ${max}`)
  }
  return value
}

function anyValue(value: unknown, where: string, nested = false): Json {
  if (!isObject(value)) fail(where, 'must be an object')
  if ('stringValue' in value) return { stringValue: text(value.stringValue, where) }
  if ('boolValue' in value) {
    if (typeof value.boolValue !== 'boolean') fail(where, 'boolValue must be a boolean')
    return { boolValue: value.boolValue }
  }
  if ('intValue' in value) {
    const int = value.intValue
    if (
      !(typeof int === 'number' && Number.isSafeInteger(int)) &&
      !(typeof int === 'string' && /^-?[0-9]{1,19}$/.test(int))
    ) {
      fail(where, 'intValue must be an integer')
    }
    return { intValue: int }
  }
  if ('doubleValue' in value) {
    if (typeof value.doubleValue !== 'number' || !Number.isFinite(value.doubleValue)) {
      fail(where, 'doubleValue must be a finite number')
    }
    return { doubleValue: value.doubleValue }
  }
  if ('arrayValue' in value && !nested) {
    const values = isObject(value.arrayValue) ? value.arrayValue.values : undefined
    return {
      arrayValue: {
        values: list(values, LIMITS.arrayValues, `${where}.arrayValue.values`).map((v, i) =>
          anyValue(v, `${where}.arrayValue.values[${i}]`, true),
        ),
      },
    }
  }
  fail(where, 'must hold a stringValue, boolValue, intValue, doubleValue or arrayValue')
}

function attributes(value: unknown, where: string): Json[] {
  return list(value, LIMITS.attributes, where).map((attribute, i) => {
    if (!isObject(attribute)) fail(`${where}[${i}]`, 'must be an object')
    return {
      key: text(attribute.key, `${where}[${i}].key`, LIMITS.keyLength),
      value: anyValue(attribute.value, `${where}[${i}].value`),
    }
  })
}

function span(value: unknown, where: string): Json {
  if (!isObject(value)) fail(where, 'must be an object')
  const status = value.status === undefined ? {} : value.status
  if (!isObject(status)) fail(`${where}.status`, 'must be an object')
  return {
    traceId: hexId(value.traceId, 32, `${where}.traceId`),
    spanId: hexId(value.spanId, 16, `${where}.spanId`),
    parentSpanId: hexId(value.parentSpanId, 16, `${where}.parentSpanId`, true),
    traceState: optionalText(value.traceState, `${where}.traceState`, 512) ?? '',
    name: text(value.name, `${where}.name`, LIMITS.keyLength),
    kind: integer(value.kind, 0, 5, `${where}.kind`),
    startTimeUnixNano: nanos(value.startTimeUnixNano, `${where}.startTimeUnixNano`),
    endTimeUnixNano: nanos(value.endTimeUnixNano, `${where}.endTimeUnixNano`),
    attributes: attributes(value.attributes, `${where}.attributes`),
    droppedAttributesCount: integer(
      value.droppedAttributesCount,
      0,
      1e6,
      `${where}.droppedAttributesCount`,
    ),
    events: list(value.events, LIMITS.events, `${where}.events`).map((event, i) => {
      const at = `${where}.events[${i}]`
      if (!isObject(event)) fail(at, 'must be an object')
      return {
        timeUnixNano: nanos(event.timeUnixNano, `${at}.timeUnixNano`),
        name: text(event.name, `${at}.name`, LIMITS.keyLength),
        attributes: attributes(event.attributes, `${at}.attributes`),
      }
    }),
    droppedEventsCount: integer(value.droppedEventsCount, 0, 1e6, `${where}.droppedEventsCount`),
    links: list(value.links, LIMITS.links, `${where}.links`).map((link, i) => {
      const at = `${where}.links[${i}]`
      if (!isObject(link)) fail(at, 'must be an object')
      return {
        traceId: hexId(link.traceId, 32, `${at}.traceId`),
        spanId: hexId(link.spanId, 16, `${at}.spanId`),
        traceState: optionalText(link.traceState, `${at}.traceState`, 512) ?? '',
        attributes: attributes(link.attributes, `${at}.attributes`),
      }
    }),
    droppedLinksCount: integer(value.droppedLinksCount, 0, 1e6, `${where}.droppedLinksCount`),
    status: {
      code: integer(status.code, 0, 2, `${where}.status.code`),
      ...(status.message === undefined
        ? {}
        : { message: text(status.message, `${where}.status.message`, LIMITS.keyLength) }),
    },
  }
}

function resource(value: unknown, where: string): Json {
  const given = value === undefined ? {} : value
  if (!isObject(given)) fail(where, 'must be an object')
  const kept = attributes(given.attributes, `${where}.attributes`).filter(
    (a) => RESOURCE_KEYS.test(a.key as string) && 'stringValue' in (a.value as Json),
  )
  return {
    attributes: [{ key: 'service.name', value: { stringValue: BROWSER_SERVICE_NAME } }, ...kept],
  }
}

/** The export to forward, and how many spans it holds; throws BadSpans. */
export function browserSpans(body: unknown): { request: Json; spans: number } {
  if (!isObject(body)) fail('body', 'must be an OTLP/JSON ExportTraceServiceRequest object')
  let spans = 0
  const resourceSpans = list(body.resourceSpans, LIMITS.resourceSpans, 'resourceSpans').map(
    (rs, r) => {
      const at = `resourceSpans[${r}]`
      if (!isObject(rs)) fail(at, 'must be an object')
      return {
        resource: resource(rs.resource, `${at}.resource`),
        scopeSpans: list(rs.scopeSpans, LIMITS.scopeSpans, `${at}.scopeSpans`).map((ss, s) => {
          const sat = `${at}.scopeSpans[${s}]`
          if (!isObject(ss)) fail(sat, 'must be an object')
          const scope = ss.scope === undefined ? {} : ss.scope
          if (!isObject(scope)) fail(`${sat}.scope`, 'must be an object')
          const items = list(ss.spans, LIMITS.spans, `${sat}.spans`)
          spans += items.length
          if (spans > LIMITS.spans) fail('body', `at most ${LIMITS.spans} spans per export`)
          return {
            scope: {
              name: optionalText(scope.name, `${sat}.scope.name`, LIMITS.keyLength) ?? '',
              version: optionalText(scope.version, `${sat}.scope.version`, LIMITS.keyLength) ?? '',
            },
            spans: items.map((item, i) => span(item, `${sat}.spans[${i}]`)),
          }
        }),
      }
    },
  )
  return { request: { resourceSpans }, spans }
}

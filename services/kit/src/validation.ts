import { AjvCompiler, type BuildCompilerFromPool } from '@fastify/ajv-compiler'

type CompilerOptions = NonNullable<Parameters<BuildCompilerFromPool>[1]>
type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null }
type Route = { httpPart?: string; schema?: { properties?: Record<string, { type?: unknown }> } }

const compilers = AjvCompiler()

/** An integer as a person or a link writes it: no sign, space, leading zero, point or exponent. */
const DIGITS = /^(0|[1-9][0-9]*)$/

/**
 * Ajv's coercion takes any text JavaScript's `Number` reads: "1\n", " 1", "01", "1.0", "+1" all
 * became 1, so `/products/1%0A` answered product 1. An integer in a path or a querystring must be
 * written in digits (no integer of the shop's addresses is negative); the range is still the
 * schema's.
 */
function integersInDigits(validate: Validate, route: Route): Validate {
  const integers = Object.entries(route.schema?.properties ?? {})
    .filter(([, schema]) => schema.type === 'integer')
    .map(([name]) => name)
  if (integers.length === 0) return validate
  const strict: Validate = (data) => {
    const values = (data ?? {}) as Record<string, unknown>
    const written = integers.filter((name) => {
      const value = values[name]
      return typeof value === 'string' && !DIGITS.test(value)
    })
    const valid = validate(data)
    if (written.length === 0) {
      strict.errors = validate.errors
      return valid
    }
    // Every mistake is named, as with `allErrors`: these, then the schema's for the other values.
    const others = ((validate.errors ?? []) as { instancePath?: string }[]).filter(
      (error) => !written.some((name) => error.instancePath === `/${name}`),
    )
    strict.errors = [
      ...written.map((name) => ({
        instancePath: `/${name}`,
        schemaPath: `#/properties/${name}/type`,
        keyword: 'type',
        params: { type: 'integer' },
        message: 'must be an integer written in digits',
      })),
      ...others,
    ]
    return false
  }
  return strict
}

/**
 * Fastify's validator, with two changes: a JSON body is taken as typed (Fastify coerces every
 * part by default, so `{"name": false}` passed a string schema as "false"), and an integer in a
 * path or querystring is written in digits. Path parameters, querystrings, headers and form
 * bodies (`formBodies`: the frontend's HTML forms) are text on the wire and still are converted
 * to the schema's types.
 */
export function validatorFactory(formBodies: boolean): BuildCompilerFromPool {
  return (externalSchemas, serverOptions) => {
    const options = (serverOptions ?? {}) as CompilerOptions
    const coercing = compilers(externalSchemas, options)
    const typed = compilers(externalSchemas, {
      ...options,
      customOptions: { ...options.customOptions, coerceTypes: false },
    } as CompilerOptions)
    // Fastify hands the compiler a route's definition: { schema, method, url, httpPart }.
    const byPart = (route: Route) => {
      if (route.httpPart === 'body' && !formBodies) return typed(route as never)
      const validate = coercing(route as never) as unknown as Validate
      return route.httpPart === 'params' || route.httpPart === 'querystring'
        ? integersInDigits(validate, route)
        : validate
    }
    return byPart as unknown as ReturnType<BuildCompilerFromPool>
  }
}

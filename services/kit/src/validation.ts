import { AjvCompiler, type BuildCompilerFromPool } from '@fastify/ajv-compiler'

type CompilerOptions = NonNullable<Parameters<BuildCompilerFromPool>[1]>

const compilers = AjvCompiler()

/**
 * Fastify's validator, with one change: a JSON body is taken as typed. Fastify coerces every
 * part by default, so `{"name": false}` passed a string schema as "false"; querystrings, path
 * parameters, headers and form bodies (`formBodies`: the frontend's HTML forms) are text on the
 * wire and still are converted to the schema's types.
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
    const byPart = (route: { httpPart?: string }) =>
      (route.httpPart === 'body' && !formBodies ? typed : coercing)(route as never)
    return byPart as unknown as ReturnType<BuildCompilerFromPool>
  }
}

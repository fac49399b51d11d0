import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import { isRefusal, type Refusal, type UserClient } from '../clients/users'
import { LoginForm, NextQuery, RegisterForm } from '../schemas'
import { csrfToken, safeNext, type SessionCookies } from '../session'
import { loginView, registerView } from '../views/account'
import { page } from '../views/layout'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function registrationProblem(form: RegisterForm): string | undefined {
  if (!form.name.trim()) return 'Please enter your name.'
  if (!EMAIL.test(form.email.trim())) return 'Please enter a valid email address.'
  if (form.password.length < 8) return 'The password must have at least 8 characters.'
  return undefined
}

/** The refusal's status; a shopper told to come back later is told when (Retry-After). */
function refuse(reply: FastifyReply, refusal: Refusal): void {
  reply.code(refusal.status)
  if (refusal.status === 429 || refusal.status === 503) reply.header('retry-after', '5')
}

export const accountRoutes: FastifyPluginAsyncTypebox<{
  users: UserClient
  sessions: SessionCookies
}> = async (app, { users, sessions }) => {
  app.get('/login', { schema: { querystring: NextQuery } }, async (request, reply) => {
    const next = safeNext(request.query.next)
    if (request.shopper) return reply.redirect(next, 303)
    return page(reply, 'Sign in', loginView({ email: '', next, csrfToken: csrfToken(reply) }))
  })

  app.post('/login', { schema: { body: LoginForm } }, async (request, reply) => {
    const { email, password } = request.body
    const next = safeNext(request.body.next)
    const grant = await users.login(email.trim(), password, request.ip)
    if (isRefusal(grant)) {
      refuse(reply, grant)
      const view = loginView({ email, next, error: grant.refused, csrfToken: csrfToken(reply) })
      return page(reply, 'Sign in', view)
    }
    sessions.start(reply, grant)
    return reply.redirect(next, 303)
  })

  app.get('/register', async (request, reply) => {
    if (request.shopper) return reply.redirect('/', 303)
    return page(
      reply,
      'Create account',
      registerView({ name: '', email: '', csrfToken: csrfToken(reply) }),
    )
  })

  app.post('/register', { schema: { body: RegisterForm } }, async (request, reply) => {
    const form = request.body
    const input = { name: form.name.trim(), email: form.email.trim(), password: form.password }
    const problem = registrationProblem(form)
    const grant = problem
      ? { refused: problem, status: 400 }
      : await users.register(input, request.ip)
    if (isRefusal(grant)) {
      refuse(reply, grant)
      const view = registerView({ ...input, error: grant.refused, csrfToken: csrfToken(reply) })
      return page(reply, 'Create account', view)
    }
    sessions.start(reply, grant)
    sessions.flash(reply, 'success', `Welcome, ${grant.user.name}! Your account is ready.`)
    return reply.redirect('/', 303)
  })

  app.post('/logout', async (_request, reply) => {
    sessions.end(reply)
    sessions.flash(reply, 'success', 'You are signed out. See you soon!')
    return reply.redirect('/', 303)
  })
}

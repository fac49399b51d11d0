import { html } from 'ghtml'
import { csrfField } from './format'

function emailField(value: string): string {
  return html`<label
    >Email
    <input type="email" name="email" value="${value}" autocomplete="email" required maxlength="254"
  /></label>`
}

function formError(error: string | undefined): string {
  return error ? html`<div class="form-error" role="alert">${error}</div>` : ''
}

export function loginView(form: {
  email: string
  next: string
  error?: string
  csrfToken: string
}): string {
  return html`<section class="auth card">
    <h1>Sign in</h1>
    <p class="muted">Welcome back! Sign in to fill your cart and see your orders.</p>
    !${formError(form.error)}
    <form method="post" action="/login" class="stack">
      !${csrfField(form.csrfToken)}
      <input type="hidden" name="next" value="${form.next}" />
      !${emailField(form.email)}
      <label
        >Password
        <input
          type="password"
          name="password"
          autocomplete="current-password"
          required
          maxlength="128"
        />
      </label>
      <button type="submit" class="button button-block">Sign in</button>
    </form>
    <p class="muted">New here? <a href="/register">Create an account</a></p>
  </section>`
}

export function registerView(form: {
  name: string
  email: string
  error?: string
  csrfToken: string
}): string {
  return html`<section class="auth card">
    <h1>Create your account</h1>
    <p class="muted">It takes ten seconds, and you can check out right away.</p>
    !${formError(form.error)}
    <form method="post" action="/register" class="stack">
      !${csrfField(form.csrfToken)}
      <label
        >Name
        <input
          type="text"
          name="name"
          value="${form.name}"
          autocomplete="name"
          required
          maxlength="100"
        />
      </label>
      !${emailField(form.email)}
      <label
        >Password
        <input
          type="password"
          name="password"
          autocomplete="new-password"
          required
          minlength="8"
          maxlength="128"
          aria-describedby="password-hint"
        />
        <span id="password-hint" class="hint">At least 8 characters.</span>
      </label>
      <button type="submit" class="button button-block">Create account</button>
    </form>
    <p class="muted">Already have an account? <a href="/login">Sign in</a></p>
  </section>`
}

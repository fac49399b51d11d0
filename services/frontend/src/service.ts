import type { ServiceDefinition } from '@shopscope/kit'
import { FrontendEnv } from './config'
import app from './app'
import { rejectionPage } from './views/errors'

export const service: ServiceDefinition<typeof FrontendEnv.properties> = {
  name: 'frontend',
  description: 'Server-rendered HTML shop in front of the user, product and order services',
  defaultPort: 8080,
  env: FrontendEnv,
  // An HTML site: its early rejections are pages too, not problem+json.
  formBodies: true,
  clientErrorBody: (status, message) => ({
    contentType: 'text/html',
    body: rejectionPage(status, message),
  }),
  // Nothing outside needs the pages' OpenAPI document; the fuzz suite takes it in process.
  publicDocs: false,
  app,
}

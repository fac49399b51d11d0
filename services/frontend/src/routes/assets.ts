import type { FastifyPluginAsync } from 'fastify'
import { FAVICON, STYLESHEET, STYLESHEET_ETAG } from '../views/styles'

export const assetRoutes: FastifyPluginAsync = async (app) => {
  app.get('/static/app.css', async (request, reply) => {
    reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('etag', STYLESHEET_ETAG)
    if (request.headers['if-none-match'] === STYLESHEET_ETAG) return reply.code(304).send()
    return reply.type('text/css; charset=utf-8').send(STYLESHEET)
  })

  app.get('/favicon.ico', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=86400')
    return reply.type('image/svg+xml').send(FAVICON)
  })
}

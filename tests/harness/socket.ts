import { request } from 'node:http'

export interface SocketAnswer {
  status: number
  type: string
  body: string
}

/**
 * A GET over a real socket to 127.0.0.1:`port`: `app.inject` does not go through Node's HTTP
 * parser, so it never meets its header limit or its URL checks.
 */
export function getOverSocket(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<SocketAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { atFileEnd } from '../../helpers/file-end.js';

/**
 * A server that claims to be Atlas and answers every request with whatever a case says: control characters
 * in error details, bodies that never end, redirects, prototype keys. dynsecret talks to it through a config
 * created with `--no-verify`.
 */
export type Answer = (req: IncomingMessage, res: ServerResponse) => void;

export interface HostileServer {
  url: string;
  /** What the next requests get. */
  answer(answer: Answer): void;
  /** Requests seen so far: method, path and whether they carried an Authorization header. */
  seen: { method: string; path: string; authorized: boolean; authorization: string }[];
}

const servers: Server[] = [];
atFileEnd(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((resolve) => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

export async function hostileServer(): Promise<HostileServer> {
  let current: Answer = (_req, res) => res.writeHead(500).end();
  const seen: HostileServer['seen'] = [];
  const server = createServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorized: authorization !== '', authorization });
    req.resume();
    req.on('end', () => {
      try {
        current(req, res);
      } catch {
        res.destroy();
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    answer: (a) => {
      current = a;
    },
    seen,
  };
}

export const ATLAS_JSON = 'application/vnd.atlas.2023-01-01+json;charset=utf-8';

/** An Atlas-style error body. */
export const apiError =
  (status: number, errorCode: string, detail: string): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': ATLAS_JSON }).end(JSON.stringify({ error: status, errorCode, detail, reason: 'Hostile' }));
  };

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': ATLAS_JSON, ...headers }).end(typeof body === 'string' ? body : JSON.stringify(body));
  };

import { createServer, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ForwardProxy {
  url: string;
  /** `host:port` of every CONNECT tunnel asked for. */
  connects: string[];
  /** The Proxy-Authorization header of each CONNECT ('' when none was sent). */
  connectAuth: string[];
  /** The absolute URL of every plain forwarded request. */
  forwards: string[];
  close(): Promise<void>;
}

/** A forward proxy on 127.0.0.1 (CONNECT tunnels and absolute-form requests) that records what passes. */
export async function startForwardProxy(): Promise<ForwardProxy> {
  const connects: string[] = [];
  const connectAuth: string[] = [];
  const forwards: string[] = [];
  const server = createServer((req, res) => {
    forwards.push(req.url ?? '');
    const upstream = httpRequest(new URL(req.url ?? '/'), { method: req.method, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket, head) => {
    connects.push(req.url ?? '');
    connectAuth.push(req.headers['proxy-authorization'] ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  // Every socket on either side, so that closing the proxy ends tunnels and kept-alive connections at once.
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    connects,
    connectAuth,
    forwards,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

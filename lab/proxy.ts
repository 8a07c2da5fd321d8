// A TCP proxy the tests put between the manager and one server (the config points the monitor's pings at it
// with servers[].monitorAddress, its SSH at it with servers[].ssh): cutting it is a partition between the
// manager and that server alone, while the replicas still reach it directly. A cut proxy drops everything
// and answers nothing, as a partition does (every connection times out); when it heals, the connections it
// silenced are closed and new ones pass again.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Drop everything (true) or forward again (false). */
  cut(on: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, listenHost = '127.0.0.1'): Promise<TcpProxy> {
  let isCut = false;
  const live = new Set<{ client: Socket; upstream: Socket | null }>();
  const silenced = new Set<Socket>();
  const silence = (s: Socket) => {
    s.unpipe();
    s.removeAllListeners('data');
    s.on('data', () => {});
    silenced.add(s);
  };
  const server = createServer((client) => {
    client.on('error', () => {});
    if (isCut) {
      silence(client);
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    live.add(pair);
    upstream.on('error', () => client.destroy());
    client.on('close', () => { upstream.destroy(); live.delete(pair); });
    upstream.on('close', () => { client.destroy(); live.delete(pair); });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: listenHost,
    port,
    cut(on) {
      if (on === isCut) return;
      isCut = on;
      if (on) {
        for (const p of live) { silence(p.client); if (p.upstream) silence(p.upstream); }
        live.clear();
      } else {
        for (const s of silenced) s.destroy();
        silenced.clear();
      }
    },
    async close() {
      for (const p of live) { p.client.destroy(); p.upstream?.destroy(); }
      for (const s of silenced) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

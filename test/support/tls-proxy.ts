// A secured Temporal for tests: the dev server (`temporal server start-dev`) has no TLS options, so a proxy in
// front of it speaks TLS, demands a client certificate signed by the test CA (mTLS) and an API key
// ("authorization: Bearer KEY"), and forwards to the plain server: gRPC (HTTP/2) to its frontend, HTTP/1.1 to
// its HTTP API. Certificates are made with openssl for each run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';

export interface TestPki { dir: string; ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; otherClientCert: string; otherClientKey: string }

/** A CA, a server certificate for 127.0.0.1/localhost, a client certificate it signed, and one from another CA. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mhaflow-pki-'));
  const f = (n: string) => join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) => ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`));
  const leaf = (name: string, caName: string, ext: string) => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), ext);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${caName}.crt`), '-CAkey', f(`${caName}.key`), '-CAcreateserial', '-days', '2', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`));
  };
  ca('test-ca');
  ca('other-ca');
  leaf('server', 'test-ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  leaf('intruder', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    dir, ca: f('test-ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'),
    otherClientCert: f('intruder.crt'), otherClientKey: f('intruder.key'),
  };
}

export interface SecuredTemporal {
  /** host:port of the TLS gRPC frontend, and of the HTTPS HTTP API. */
  grpc: string;
  http: string;
  /** What the proxies saw: client certificate CNs and whether the API key came with each request. */
  seen: { grpc: { cn: string; apiKey: boolean }[]; http: { cn: string; apiKey: boolean }[] };
  close(): Promise<void>;
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host']);

export async function startSecuredTemporal(pki: TestPki, apiKey: string, upstream: { grpc: string; http: string }): Promise<SecuredTemporal> {
  const tls = { key: readFileSync(pki.serverKey), cert: readFileSync(pki.serverCert), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true };
  const seen: SecuredTemporal['seen'] = { grpc: [], http: [] };
  const cnOf = (socket: TLSSocket) => String(socket.getPeerCertificate()?.subject?.CN ?? '');
  const authorized = (h: http.IncomingHttpHeaders | http2.IncomingHttpHeaders) => h.authorization === `Bearer ${apiKey}`;

  const up = http2.connect(`http://${upstream.grpc}`);
  up.on('error', () => {});
  const grpc = http2.createSecureServer(tls);
  const sessions = new Set<http2.ServerHttp2Session>();
  grpc.on('session', (s) => { sessions.add(s); s.on('close', () => sessions.delete(s)); });
  grpc.on('stream', (stream, headers) => {
    const ok = authorized(headers);
    seen.grpc.push({ cn: cnOf(stream.session!.socket as TLSSocket), apiKey: ok });
    stream.on('error', () => {});
    if (!ok) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'missing or wrong API key' }, { endStream: true });
      return;
    }
    const fwd: http2.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP.has(k) && k !== ':authority' && k !== 'authorization') fwd[k] = v;
    const req = up.request(fwd);
    req.on('error', () => { if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR); });
    stream.on('close', () => { if (!req.destroyed) req.close(http2.constants.NGHTTP2_CANCEL); });
    let trailers: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => {
      const out: http2.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(h)) if (!HOP.has(k)) out[k] = v;
      if (stream.destroyed) return; // the client gave up (a long poll cut at shutdown)
      // A trailers-only answer (a gRPC error) carries its status in the headers and ends there.
      if (h['grpc-status'] !== undefined) { stream.respond(out, { endStream: true }); return; }
      stream.respond(out, { waitForTrailers: true });
      req.pipe(stream);
    });
    req.on('trailers', (t) => { trailers = t; });
    stream.on('wantTrailers', () => {
      if (!stream.destroyed) stream.sendTrailers(Object.fromEntries(Object.entries(trailers).filter(([k]) => !k.startsWith(':'))));
    });
    stream.pipe(req);
  });

  const httpApi = https.createServer(tls, (req, res) => {
    const ok = authorized(req.headers);
    seen.http.push({ cn: cnOf(req.socket as TLSSocket), apiKey: ok });
    if (!ok) { res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":16,"message":"missing or wrong API key"}'); return; }
    const [host, port] = upstream.http.split(':');
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !HOP.has(k) && k !== 'authorization'));
    const fwd = http.request({ host, port: Number(port), method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', (e) => res.writeHead(502).end(e.message));
    req.pipe(fwd);
  });

  const listen = (s: http2.Http2SecureServer | https.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
  const [gp, hp] = [await listen(grpc), await listen(httpApi)];
  return {
    grpc: `127.0.0.1:${gp}`, http: `127.0.0.1:${hp}`, seen,
    close: async () => {
      up.close();
      for (const s of sessions) s.destroy();
      httpApi.closeAllConnections();
      await Promise.all([new Promise((r) => grpc.close(r)), new Promise((r) => httpApi.close(r))]);
    },
  };
}

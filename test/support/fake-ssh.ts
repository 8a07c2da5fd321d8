// An in-process SSH server (ssh2.Server) for error-path tests: key pairs, public-key auth, and a
// session handler of the test's choosing. The lab's real sshd covers the happy paths.
import { Server, utils, type Session } from 'ssh2';

export interface KeyPair { priv: string; pubBlob: Buffer; pubLine: string }

export function keyPair(): KeyPair {
  // ssh2's generator drops a leading zero byte of an ed25519 key (about 1 key in 300), and its own parser then
  // refuses the key as malformed: draw again until the key parses.
  for (;;) {
    const pem = utils.generateKeyPairSync('ed25519').private;
    const parsed = utils.parseKey(pem);
    if (!(parsed instanceof Error)) return pairOf(pem, parsed);
  }
}

function pairOf(pem: string, parsed: ReturnType<typeof utils.parseKey>): KeyPair {
  if (parsed instanceof Error) throw parsed;
  const k = Array.isArray(parsed) ? parsed[0]! : parsed;
  const blob = k.getPublicSSH();
  return { priv: pem, pubBlob: blob, pubLine: `ssh-ed25519 ${blob.toString('base64')}` };
}

/** Listen on 127.0.0.1 (a free port); accept only `clientKey`; hand each session to `onSession`, each direct-tcpip request to `onTcpip` (none: refused as prohibited). */
export async function startFakeSshServer(hostKey: KeyPair, clientKey: KeyPair, onSession: (session: Session) => void,
  onTcpip?: (accept: () => import('ssh2').ServerChannel, reject: () => void, info: import('ssh2').TcpipRequestInfo) => void): Promise<{ server: Server; port: number }> {
  const server = new Server({ hostKeys: [hostKey.priv] }, (client) => {
    client.on('error', () => {});
    client.on('authentication', (ctx) => {
      if (ctx.method === 'publickey' && ctx.key.data.equals(clientKey.pubBlob)) return ctx.accept();
      ctx.reject(['publickey']);
    });
    client.on('session', (accept) => onSession(accept()));
    if (onTcpip) client.on('tcpip', (accept, reject, info) => onTcpip(accept, reject, info));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

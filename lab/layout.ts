// Where the lab lives and what it is made of: one master and three replicas, each a "host" on its
// own loopback alias with its own mariadbd (port 3306) and sshd (port 22).
import { resolve } from 'node:path';

export type LabMode = 'filepos' | 'gtid';

export interface LabHost {
  name: string;
  address: string;
  serverId: number;
  dir: string;
  dataDir: string;
  socket: string;
  pidFile: string;
  errorLog: string;
  cnf: string;
  sshDir: string;
  sshdConfig: string;
  sshdPid: string;
}

/** The hosts' addresses: <prefix>.11 to .14; MHAFLOW_LAB_NET (default 127.0.0) lets two labs coexist. */
export function labAddresses(): string[] {
  const net = process.env.MHAFLOW_LAB_NET ?? (process.env.MHAFLOW_LAB_DIR ? netForDir(labDir()) : '127.0.0');
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(net)) throw new Error(`MHAFLOW_LAB_NET must look like 127.X.Y (a loopback /24), not ${net}`);
  return [11, 12, 13, 14].map((n) => `${net}.${n}`);
}
export const MYSQL_PORT = 3306;
export const SSH_PORT = 22;
export const TEST_DB = 'mhaflow_test';
/** appSuper: an application account with ALL PRIVILEGES (SUPER, READ_ONLY ADMIN), which read_only alone does not stop on MariaDB. */
export const USERS = { admin: 'mhaflow', repl: 'repl', app: 'app', appSuper: 'app_super' } as const;

/** A lab in another directory gets its own loopback /24 (127.N.M.*, stable per path), so labs never collide. */
function netForDir(dir: string): string {
  if (dir === resolve(repoRoot(), '.lab')) return '127.0.0';
  let h = 0;
  for (const c of dir) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `127.${1 + (h % 200)}.${(h >>> 8) % 250}`;
}

export function repoRoot(): string {
  return resolve(__dirname, '..');
}

export function labDir(): string {
  return process.env.MHAFLOW_LAB_DIR ? resolve(process.env.MHAFLOW_LAB_DIR) : resolve(repoRoot(), '.lab');
}

export function labPaths(root = labDir()) {
  return {
    root,
    clusterConfig: resolve(root, 'cluster.yml'),
    state: resolve(root, 'lab.json'),
    sshDir: resolve(root, 'ssh'),
    clientKey: resolve(root, 'ssh', 'id_ed25519'),
    authorizedKeys: resolve(root, 'ssh', 'authorized_keys'),
    knownHosts: resolve(root, 'ssh', 'known_hosts'),
    secretsDir: resolve(root, 'secrets'),
    template: resolve(root, 'template'),
    hostsDir: resolve(root, 'hosts'),
    remoteWorkdir: resolve(root, 'remote-workdir'),
    managerWorkdir: resolve(root, 'manager'),
    temporalDir: resolve(root, 'temporal'),
  };
}

export function labHosts(root = labDir()): LabHost[] {
  return labAddresses().map((address, i) => {
    const name = `db${i + 1}`;
    const dir = resolve(root, 'hosts', name);
    return {
      name,
      address,
      serverId: Number(address.split('.').pop()),
      dir,
      dataDir: resolve(dir, 'data'),
      socket: resolve(dir, 'mysqld.sock'),
      pidFile: resolve(dir, 'mysqld.pid'),
      errorLog: resolve(dir, 'mysqld.err'),
      cnf: resolve(dir, 'my.cnf'),
      sshDir: resolve(dir, 'ssh'),
      sshdConfig: resolve(dir, 'ssh', 'sshd_config'),
      sshdPid: resolve(dir, 'ssh', 'sshd.pid'),
    };
  });
}

/** Accepts db2, 127.0.0.12 or 127.0.0.12:3306. */
export function findHost(hosts: LabHost[], ref: string): LabHost {
  const bare = ref.replace(/:\d+$/, '');
  const h = hosts.find((x) => x.name === bare || x.address === bare);
  if (!h) throw new Error(`no lab host "${ref}"; the lab hosts are ${hosts.map((x) => `${x.name} (${x.address})`).join(', ')}`);
  return h;
}

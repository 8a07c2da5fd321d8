// A binlog on a managed host as a ByteSource, over an SSH session: SFTP ranged reads, nothing copied whole.
// Used by bench/binlog-scan.ts; the failover has its own (remoteSource in src/failover/remote.ts).
import { posix } from 'node:path';
import type { RemoteHost } from './ship';
import { SftpFileSource, type SftpReadApi, type SftpSourceOptions } from './source';

/** A remote file as a ByteSource, named "server:path" in messages. */
export async function remoteFileSource(host: RemoteHost, path: string, opts: SftpSourceOptions = {}): Promise<SftpFileSource> {
  const sftp: SftpReadApi = await host.sftp();
  return new SftpFileSource(sftp, path, { name: `${host.target.name}:${posix.basename(path)}`, ...opts });
}

// Byte sources on a managed host, over an SSH session: one binlog, or a replica's relay logs in
// relay-log.index order. Reads are SFTP ranged reads; nothing is copied whole.
import { posix } from 'node:path';
import { RemoteCommandError } from '../errors';
import type { RemoteHost } from './ship';
import { SftpFileSource, type SftpReadApi, type SftpSourceOptions } from './source';

/** A remote file as a ByteSource, named "server:path" in messages. */
export async function remoteFileSource(host: RemoteHost, path: string, opts: SftpSourceOptions = {}): Promise<SftpFileSource> {
  const sftp: SftpReadApi = await host.sftp();
  return new SftpFileSource(sftp, path, { name: `${host.target.name}:${posix.basename(path)}`, ...opts });
}

/**
 * The files an index lists (relay-log.index, mysql-bin.index), oldest first. Entries are absolute or
 * relative to the index's directory ("./relay-bin.000002"), as the servers write them.
 */
export async function remoteIndexedFiles(host: RemoteHost, indexPath: string): Promise<string[]> {
  const text = await host.run(['cat', '--', indexPath], { what: `read ${indexPath}` });
  const dir = posix.dirname(indexPath);
  const files = text.split('\n').map((l) => l.trim()).filter(Boolean).map((f) => (posix.isAbsolute(f) ? f : posix.join(dir, f)));
  if (files.length === 0) {
    throw new RemoteCommandError(`${indexPath} on ${host.target.host} lists no files`, { server: host.target.name, hint: 'is replication configured on this server?' });
  }
  return files;
}

/** A replica's relay logs as sources for findRelayPosition (each is opened only when read). */
export async function remoteRelayLogs(host: RemoteHost, relayLogIndexPath: string): Promise<SftpFileSource[]> {
  const files = await remoteIndexedFiles(host, relayLogIndexPath);
  return Promise.all(files.map((f) => remoteFileSource(host, f)));
}

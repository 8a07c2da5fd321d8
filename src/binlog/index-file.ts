// Binlog and relay-log index files (log_bin.index, relay_log_index): one file name per line, in order.
import { posix } from 'node:path';

/** Files named in a binlog/relay-log index, as absolute paths (entries may be relative to the index's directory). */
export function parseIndexFile(text: string, indexPath: string): string[] {
  const dir = posix.dirname(indexPath);
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => (posix.isAbsolute(l) ? l : posix.join(dir, l)));
}

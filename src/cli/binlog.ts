// `mhaflow binlog ...`: look inside binary and relay logs with mhaflow's own reader.
import { formatEventLine, summarizeEvent } from '../binlog/describe';
import { BinlogReader } from '../binlog/reader';
import { LocalFileSource } from '../binlog/source';

export interface ListOptions { startPosition?: number; stopPosition?: number; json?: boolean; verify: boolean }

/** `mhaflow binlog list`. */
export async function listCommand(file: string, opts: ListOptions): Promise<void> {
  const source = new LocalFileSource(file);
  const out = new LineWriter();
  try {
    const reader = await BinlogReader.open(source, { verify: opts.verify ? 'all' : 'none', sqlPrefix: 256 });
    let first = true;
    if (opts.json) out.write('[');
    for await (const ev of reader.events({ from: opts.startPosition, to: opts.stopPosition })) {
      const s = summarizeEvent(ev);
      if (opts.json) {
        out.write(`${first ? '' : ','}\n${JSON.stringify(s)}`);
      } else {
        out.write(`${formatEventLine(s)}\n`);
      }
      first = false;
      await out.drainIfNeeded();
    }
    if (opts.json) out.write('\n]\n');
  } finally {
    await out.flush();
    await source.close();
  }
}

/** Buffered stdout writes that respect back-pressure (a 1 GB binlog lists millions of lines). */
class LineWriter {
  private parts: string[] = [];
  private bytes = 0;
  write(s: string): void {
    this.parts.push(s);
    this.bytes += s.length;
  }
  async drainIfNeeded(): Promise<void> {
    if (this.bytes >= 1 << 16) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.bytes = 0;
    if (!process.stdout.write(chunk)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
  }
}

// Watching the lab while its master changes (switchover tests and benchmark): which servers are writable, polled on
// connections of their own (never two at once; how long none was), and waiting until every replica holds what the
// master holds (before the data oracle compares them).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterConfig } from '../src/config/schema';
import { connectServer, queryOne, withConnection, type Connection } from '../src/mysql/client';
import { compareGtidText } from '../src/binlog/gtid';
import { waitFor } from './system';

export interface WritableReport {
  /** The most servers seen writable at one poll (must stay <= 1). */
  maxWritable: number;
  /** The polls that saw two or more writable, in words. */
  splitBrain: string[];
  /** The longest run of polls with no server writable, in ms (from the last poll that saw one to the next that did). */
  longestNoneMs: number;
  /** Every change of the writable set: [ms since start, names]. */
  changes: [number, string[]][];
  polls: number;
}

export interface WritableWatch { stop(): Promise<WritableReport> }

/** Poll read_only on every server every `everyMs` (default 20 ms) until stopped. An unreachable server counts as not writable. */
export function watchWritable(cfg: ClusterConfig, o: { everyMs?: number } = {}): WritableWatch {
  const conns = new Map<string, Connection | null>();
  const report: WritableReport = { maxWritable: 0, splitBrain: [], longestNoneMs: 0, changes: [], polls: 0 };
  const t0 = Date.now();
  let stopped = false;
  let lastSeenWritable = Date.now();
  let noneSince: number | null = null;
  let last = '';
  const readOnly = async (name: string): Promise<boolean | null> => {
    const s = cfg.servers.find((x) => x.name === name)!;
    try {
      let c = conns.get(name);
      if (!c) { c = await connectServer(cfg, s, { connectTimeoutMs: 500 }); conns.set(name, c); }
      return Number((await queryOne(c, 'SELECT @@GLOBAL.read_only AS ro'))?.ro) === 1;
    } catch {
      conns.get(name)?.destroy();
      conns.set(name, null);
      return null;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      const states = await Promise.all(cfg.servers.map(async (s) => ({ name: s.name, ro: await readOnly(s.name) })));
      const writable = states.filter((x) => x.ro === false).map((x) => x.name);
      const now = Date.now();
      report.polls++;
      report.maxWritable = Math.max(report.maxWritable, writable.length);
      if (writable.length > 1) report.splitBrain.push(`${now - t0} ms: ${writable.join(' and ')} writable`);
      if (writable.length === 0) noneSince ??= lastSeenWritable;
      else {
        if (noneSince !== null) report.longestNoneMs = Math.max(report.longestNoneMs, now - noneSince);
        noneSince = null;
        lastSeenWritable = now;
      }
      const key = writable.join(',');
      if (key !== last) { report.changes.push([now - t0, writable]); last = key; }
      await sleep(o.everyMs ?? 20);
    }
  })();
  let done: Promise<WritableReport> | undefined;
  return {
    /** Stop polling (once; later calls get the same report). */
    stop() {
      done ??= (async () => {
        stopped = true;
        await loop;
        if (noneSince !== null) report.longestNoneMs = Math.max(report.longestNoneMs, Date.now() - noneSince);
        for (const c of conns.values()) c?.destroy();
        return report;
      })();
      return done;
    },
  };
}

/** The writable server now (exactly one, or an error naming what was seen). */
export async function writableServer(cfg: ClusterConfig): Promise<string> {
  const states = await Promise.all(cfg.servers.map((s) => withConnection(cfg, s, async (c) => ({ name: s.name, ro: Number((await queryOne(c, 'SELECT @@GLOBAL.read_only AS ro'))?.ro) === 1 }))));
  const w = states.filter((x) => !x.ro).map((x) => x.name);
  if (w.length !== 1) throw new Error(`expected one writable server, found ${w.length ? w.join(', ') : 'none'}`);
  return w[0]!;
}

/** Wait until every server but `master` executed what `master`'s binlog holds (MariaDB GTIDs: the lab always has them). */
export async function waitConverged(cfg: ClusterConfig, master: string, timeoutMs = 60_000): Promise<void> {
  const gtid = (name: string, v: string) => withConnection(cfg, cfg.servers.find((s) => s.name === name)!, async (c) => String((await queryOne(c, `SELECT @@GLOBAL.${v} AS g`))?.g ?? ''));
  const target = await gtid(master, 'gtid_binlog_pos');
  const others = cfg.servers.filter((s) => s.name !== master).map((s) => s.name);
  await waitFor(`${others.join(', ')} to execute ${master}'s ${target}`, async () => {
    // gtid_current_pos: what a server executed, by replication or (a demoted master) by itself.
    const at = await Promise.all(others.map((n) => gtid(n, 'gtid_current_pos').catch(() => '')));
    return at.every((g) => ['equal', 'ahead'].includes(compareGtidText('mariadb', g, target)));
  }, timeoutMs, 100);
}

// Building one target's diff file: the parts (its own relay log tail = exec_diff, the latest replica's
// relay log from this server's read position = read_diff, the dead master's saved tail = binlog_diff)
// are located on their hosts, planned with binlogTail (cut at transaction boundaries; every part but the
// last keeps its unfinished tail, which the next part continues), joined into one diff (src/binlog/rewrite)
// and streamed from their hosts, through the worker, into <runDir>/diff-<target>.binlog on the target.
// Deterministic: the same sources give the same bytes, so a retry rewrites an identical file.
import { posix } from 'node:path';
import { gtidHeldBy, type GtidFlavor } from '../binlog/gtid';
import { parseIndexFile } from '../binlog/index-file';
import { BinlogReader } from '../binlog/reader';
import { filteredLayout, layoutChunks, summarizeTails, type DiffSource } from '../binlog/rewrite';
import type { ByteSource } from '../binlog/source';
import { binlogTail, type TailPlan } from '../binlog/tail';
import { iterateTransactions } from '../binlog/transactions';
import { runDir, serverByName } from '../config/servers';
import type { ClusterConfig } from '../config/schema';
import { BinlogError } from '../errors';
import { queryOne, withConnection } from '../mysql/client';
import type { SshPool } from '../ssh/pool';
import { readRemoteText, remoteSource, writeRemoteFiles } from '../ssh/sftp';
import { secureRunDir } from '../ssh/workdir';

export type DiffPurpose = 'exec_diff' | 'read_diff' | 'binlog_diff';

export type DiffPartSpec =
  /**
   * A server's relay logs from (relayFile, relayPos) to the end of its last relay log. With `skipHeld`, the
   * leading transactions the target already holds are left out: a GTID catch-up source may have executed less
   * than the target (a delayed replica), and its relay log then starts with what the target has.
   */
  | { kind: 'relay'; purpose: DiffPurpose; server: string; relayFile: string; relayPos: number; skipHeld?: { flavor: GtidFlavor; gtids: string } }
  /** The dead master's tail saved on the target (written by saveDeadMasterBinlog). */
  | { kind: 'savedTail'; purpose: 'binlog_diff'; path: string; sha256: string };

export interface DiffPartReport {
  purpose: DiffPurpose;
  source: string;
  from: number;
  bytes: number;
  transactions: number;
  startsMidTransaction: boolean;
  cutBytes: number;
  cutReason?: string;
  /** Leading transactions left out because the target already held them (skipHeld). */
  skippedHeld?: number;
}

export interface DiffFile {
  target: string;
  path: string;
  sha256: string;
  bytes: number;
  /** Complete transactions (a transaction split between parts counts once). */
  transactions: number;
  firstGtid?: string;
  lastGtid?: string;
  parts: DiffPartReport[];
}

/** Where a server's relay-log index is (asked from the server itself). */
export async function relayLogIndexPath(cfg: ClusterConfig, server: string): Promise<string> {
  const s = serverByName(cfg, server);
  return withConnection(cfg, s, async (c) => String((await queryOne(c, 'SELECT @@GLOBAL.relay_log_index AS idx'))!.idx));
}

interface PlannedPart { spec: DiffPartSpec; source: ByteSource; from: number; skippedHeld?: number }

/** A server's relay logs, in order, as absolute paths (from its relay-log index). */
export async function relayLogFiles(pool: SshPool, cfg: ClusterConfig, server: string): Promise<{ index: string; files: string[] }> {
  const index = await relayLogIndexPath(cfg, server);
  return { index, files: parseIndexFile(await readRemoteText(await pool.get(server), index), index) };
}

async function relaySources(pool: SshPool, cfg: ClusterConfig, spec: Extract<DiffPartSpec, { kind: 'relay' }>): Promise<PlannedPart[]> {
  const session = await pool.get(spec.server);
  const { index, files } = await relayLogFiles(pool, cfg, spec.server);
  const first = files.findIndex((f) => posix.basename(f) === posix.basename(spec.relayFile));
  if (first < 0) {
    throw new BinlogError(`relay log ${spec.relayFile} is not in ${index} (${files.map((f) => posix.basename(f)).join(', ')})`, {
      server: spec.server, hint: 'the relay logs were purged or the replica was repointed since the plan was made',
    });
  }
  const planned = await Promise.all(files.slice(first).map(async (f, i) => ({ spec, source: await remoteSource(session, f), from: i === 0 ? spec.relayPos : 4 })));
  return spec.skipHeld ? skipHeldLead(planned, gtidHeldBy(spec.skipHeld.flavor, spec.skipHeld.gtids)) : planned;
}

/**
 * The relay files of one part, each starting after the leading transactions `held` accepts. They all came from
 * one master's binlog in its order, and the target received a prefix of that order, so what it holds leads and
 * the rest follows: the first transaction it lacks ends the skipping (a continuation of a held one is held).
 */
export async function skipHeldLead(files: PlannedPart[], held: (gtid: string) => boolean): Promise<PlannedPart[]> {
  const out: PlannedPart[] = [];
  let skipping = true;
  // A continuation (a transaction begun in the previous file) is held when what it continues was left out.
  let leftOutBefore = false;
  for (const f of files) {
    if (!skipping) { out.push(f); continue; }
    const reader = await BinlogReader.open(f.source, { decode: 'boundaries', verify: 'none', layout: 'relay' });
    let lacking: number | undefined;
    let skipped = 0;
    let leftOut = false;
    for await (const t of iterateTransactions(reader, { from: f.from, includeIncomplete: true })) {
      const isHeld = t.gtid === undefined ? t.kind === 'continuation' && leftOutBefore : held(t.gtid);
      if (!isHeld) { lacking = t.startPos; skipping = false; break; }
      leftOut = true;
      if (t.complete && t.kind !== 'continuation') skipped++;
    }
    // Nothing left out: unchanged. Else from the first transaction it lacks, or the end (all of the file held).
    const from = !leftOut ? f.from : lacking ?? reader.fileSize;
    leftOutBefore ||= leftOut;
    out.push(skipped ? { ...f, from, skippedHeld: skipped } : { ...f, from });
  }
  return out;
}

async function planSources(pool: SshPool, cfg: ClusterConfig, target: string, parts: DiffPartSpec[]): Promise<PlannedPart[]> {
  const each = await Promise.all(parts.map(async (spec): Promise<PlannedPart[]> => (spec.kind === 'relay'
    ? relaySources(pool, cfg, spec)
    : [{ spec, source: await remoteSource(await pool.get(target), spec.path), from: 4 }])));
  return each.flat();
}

function partReport(p: PlannedPart, plan: TailPlan): DiffPartReport {
  return {
    purpose: p.spec.purpose, source: plan.source, from: plan.fromPos, bytes: plan.diffSize - plan.header.length,
    transactions: plan.transactions, startsMidTransaction: plan.startsMidTransaction, cutBytes: plan.cutBytes,
    ...(plan.cutReason ? { cutReason: plan.cutReason } : {}), ...(p.skippedHeld ? { skippedHeld: p.skippedHeld } : {}),
  };
}

/** Plan, stream and write the diff file of `target`. */
export async function buildDiff(pool: SshPool, cfg: ClusterConfig, target: string, runKey: string, parts: DiffPartSpec[]): Promise<DiffFile> {
  const planned = await planSources(pool, cfg, target, parts);
  try {
    // Every part but the last keeps its unfinished last transaction: the next part continues it.
    const plans = await Promise.all(planned.map((p, i) => binlogTail(p.source, p.from, {
      keepIncompleteTail: i < planned.length - 1, ...(p.spec.kind === 'savedTail' ? { reader: { layout: 'relay' as const } } : {}),
    })));
    const sources: DiffSource[] = planned.map((p, i) => ({ source: p.source, plan: plans[i]!, layout: p.spec.kind === 'savedTail' ? 'relay' : plans[i]!.layout }));
    const layout = await filteredLayout(sources);
    const targetServer = serverByName(cfg, target);
    const session = await pool.get(targetServer);
    const dir = runDir(cfg, targetServer, runKey);
    await secureRunDir(session, dir);
    const path = posix.join(dir, `diff-${target}.binlog`);
    const [written] = await writeRemoteFiles([{ session, path }], layoutChunks(layout, sources));
    return {
      target, path, sha256: written!.sha256, bytes: written!.bytes, ...summarizeTails(plans),
      parts: planned.map((p, i) => partReport(p, plans[i]!)),
    };
  } finally {
    await Promise.all(planned.map((p) => p.source.close().catch(() => {})));
  }
}

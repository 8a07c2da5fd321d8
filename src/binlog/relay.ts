// Relay-log position lookup (MHA's apply_diff_relay_logs --command=find): where in a replica's relay
// logs does a master coordinate (file, pos) end? Relay logs keep each master event's end_log_pos and
// name the master's binlog file in Rotate events; the relay log's own events (its Format_description,
// its Rotate to the next relay file: the replica's server id) and artificial ones (end_log_pos 0: the
// fake Rotate and the master's Format_description re-sent on connect) are not master coordinates.
import { EventType, FIRST_EVENT_POS, LOG_EVENT_ARTIFICIAL_F } from './constants';
import { BinlogReadError } from './errors';
import type { FormatDescription } from './events';
import { compareCoordinates, previousBinlogName, type BinlogCoordinates as Coordinates } from './coordinates';
import { BinlogReader, type BinlogEvent, type ReaderOptions } from './reader';
import type { ByteSource } from './source';

export interface RelayFindInput {
  /** The replica's relay logs in order (relay-log.index order), oldest first. */
  relayLogs: ByteSource[];
  /** The master coordinate: an event of masterFile ends at masterPos (e.g. a replica's Read_Master_Log_Pos). */
  masterFile: string;
  masterPos: number;
  /**
   * The master binlog the first relay log continues when it does not say (a relay log rotated by size
   * starts without the master's Rotate event). E.g. Relay_Master_Log_File when the first relay log is
   * the one SHOW SLAVE STATUS names. Without it such a prefix is resolved from the next Rotate.
   */
  firstMasterFile?: string;
  reader?: Omit<ReaderOptions, 'decode' | 'layout'>;
}

export interface RelayPosition {
  /** Which relay log (its source name) and its index in relayLogs. */
  relayFile: string;
  relayIndex: number;
  /** Position just after the event that ends at the master coordinate. */
  relayPos: number;
  /** The Format_description in force at relayPos: pass it to binlogTail({ fde }). */
  fde: FormatDescription;
  /** relayPos is the end of that relay log: what follows is in the next ones. */
  atEndOfFile: boolean;
  masterFile: string;
  masterPos: number;
}

type Candidate = Omit<RelayPosition, 'masterFile' | 'masterPos'>;

/** State carried across relay files while scanning. */
interface ScanState {
  /** The master binlog the current events belong to (undefined until a Rotate names it). */
  masterFile?: string;
  /** Matches seen while masterFile was unknown; resolved by the next real master Rotate. */
  pending: Candidate[];
  /** The furthest master coordinate seen, for the error message. */
  last?: Coordinates;
  /** The first master coordinate seen (to tell "purged" from "not yet received"). */
  first?: Coordinates;
  /** A coordinate before the target was seen: passing the target then means it is not an event end. */
  sawBeforeTarget: boolean;
  /** The Format_description in force (the master's, after the relay log's own). */
  fde?: FormatDescription;
}

/** Scan the relay logs in order; each source is closed once scanned (sources reopen when read again). */
export async function findRelayPosition(input: RelayFindInput): Promise<RelayPosition> {
  const target: Coordinates = { file: input.masterFile, pos: input.masterPos };
  const state: ScanState = { masterFile: input.firstMasterFile, pending: [], sawBeforeTarget: false };
  for (let i = 0; i < input.relayLogs.length; i++) {
    const source = input.relayLogs[i]!;
    try {
      const found = await scanRelayFile(source, i, target, state, input.reader ?? {});
      if (found) return found;
    } finally {
      // One open file at a time, however many relay logs; sources reopen on the next read.
      await source.close();
    }
  }
  throw notFound(input, state, target);
}

async function scanRelayFile(source: ByteSource, relayIndex: number, target: Coordinates, state: ScanState, opts: RelayFindInput['reader'] & object): Promise<RelayPosition | undefined> {
  // Only Rotate bodies matter (Format_description is always read); checksums of those are verified.
  const reader = await BinlogReader.open(source, { verify: 'decoded', ...opts, decode: [EventType.ROTATE], layout: 'relay' });
  const ownServerId = reader.fde.serverId;
  let found: RelayPosition | undefined;
  let notEventEnd: BinlogReadError | undefined;
  // scan() reuses one event object: take what is kept by value.
  await reader.scan({ from: FIRST_EVENT_POS }, (ev) => {
    const fde = ev.body?.kind === 'format_description' ? ev.body.fde : undefined;
    if (fde) state.fde = fde;
    const here: Candidate = { relayFile: source.name, relayIndex, relayPos: ev.nextPos, fde: state.fde ?? reader.fde, atEndOfFile: ev.nextPos >= reader.fileSize };
    if (ev.serverId === ownServerId) return true; // the relay log's own events
    if (ev.typeCode === EventType.ROTATE && ev.body?.kind === 'rotate') {
      const hit = onMasterRotate(ev, state, target, here);
      if (hit) found = { ...hit, masterFile: target.file, masterPos: target.pos };
      return !found;
    }
    if (isArtificial(ev)) return true;
    if (state.masterFile === undefined) {
      if (ev.endLogPos === target.pos) state.pending.push(here);
      return true;
    }
    const at: Coordinates = { file: state.masterFile, pos: ev.endLogPos };
    noteSeen(state, at, target);
    if (at.file === target.file && at.pos === target.pos) {
      found = { ...here, masterFile: target.file, masterPos: target.pos };
      return false;
    }
    if (passed(at, target)) {
      notEventEnd = state.sawBeforeTarget
        ? new BinlogReadError('not-found', source.name, ev.pos,
          `${target.file}:${target.pos} is not the end of a master event: the relay log goes from before it to ${at.file}:${at.pos}`, {
            hint: 'the master coordinate must be an event boundary (Read_Master_Log_Pos or Exec_Master_Log_Pos of a replica of this master)',
          })
        : purged(source.name, ev.pos, state.first ?? at, target);
      return false;
    }
    return true;
  });
  if (notEventEnd) throw notEventEnd;
  return found;
}

/** A master Rotate: a real one ends an event of the current file; both name the file that follows. */
function onMasterRotate(ev: BinlogEvent, state: ScanState, target: Coordinates, here: Candidate): Candidate | undefined {
  if (ev.body?.kind !== 'rotate') return undefined;
  const { nextFile, position } = ev.body;
  if (!isArtificial(ev)) {
    // The events since the last named file were in the file before nextFile (binlogs rotate to seq + 1).
    const ended = state.masterFile ?? previousBinlogName(nextFile);
    if (state.masterFile === undefined && ended === target.file && state.pending.length > 0) return state.pending[0];
    if (ended !== undefined) {
      noteSeen(state, { file: ended, pos: ev.endLogPos }, target);
      if (ended === target.file && ev.endLogPos === target.pos) return here;
    }
  }
  state.pending = [];
  state.masterFile = nextFile;
  noteSeen(state, { file: nextFile, pos: position }, target);
  // Right after a Rotate the replica stands at (nextFile, position): usually 4, or where it reconnected.
  if (nextFile === target.file && position === target.pos) return here;
  return undefined;
}

/** Written by the replica on the master's behalf (fake Rotate, re-sent Format_description): not a coordinate. */
function isArtificial(ev: BinlogEvent): boolean {
  return ev.endLogPos === 0 || (ev.flags & LOG_EVENT_ARTIFICIAL_F) !== 0;
}

function noteSeen(state: ScanState, at: Coordinates, target: Coordinates): void {
  state.first ??= at;
  state.last = at;
  if (passed(target, at)) state.sawBeforeTarget = true;
}

function purged(file: string, pos: number, first: Coordinates, target: Coordinates): BinlogReadError {
  return new BinlogReadError('not-found', file, pos,
    `relay logs start at master ${first.file}:${first.pos}, after ${target.file}:${target.pos}: that part was purged`, {
      hint: 'the relay logs that held it are gone (relay_log_purge); use another replica\'s relay logs or the master\'s binlog',
    });
}

/** at is beyond target in the same master binlog sequence; different base names never compare. */
function passed(at: Coordinates, target: Coordinates): boolean {
  try {
    return compareCoordinates(at, target) > 0;
  } catch {
    return false;
  }
}

function notFound(input: RelayFindInput, state: ScanState, target: Coordinates): BinlogReadError {
  const names = input.relayLogs.map((s) => s.name);
  const span = names.length ? `${names[0]}..${names[names.length - 1]}` : '(no relay logs)';
  const where = `${target.file}:${target.pos}`;
  if (state.first && !state.sawBeforeTarget && passed(state.first, target)) return purged(span, 0, state.first, target);
  if (state.last && !passed(state.last, target)) {
    return new BinlogReadError('not-found', span, 0, `relay logs end at master ${state.last.file}:${state.last.pos}, before ${where}: not received yet`, {
      hint: 'this replica has not received that far; pick the latest replica\'s relay logs',
    });
  }
  return new BinlogReadError('not-found', span, 0, `master coordinate ${where} not found in the relay logs`, {
    hint: state.masterFile === undefined ? 'the relay logs never name the master binlog file: pass firstMasterFile' : 'check the master file name (same binlog base name?)',
  });
}

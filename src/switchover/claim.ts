// The new master's caught-up position, made durable before it takes writes, without a trip through a workflow task.
//
// The freeze, the wait and the promotion run as local activities in one workflow task: their results reach the
// history only when that task completes, after the new master is writable. A worker that died in between would leave
// a retry that reads the new master's position again, after writes moved it, and the replicas would start past them.
// So once caught up, the wait signals its result to its own workflow (a signal is written to the history at once),
// and the promotion makes the new master writable only once that signal is in (it is sent while the workflow task
// moves on to the promotion: src/switchover/before-promotion.ts). A retry's wait gets that signal back and uses it
// instead of reading again.
//
// Anyone who may signal the workflow could send such a result, so it is signed: an HMAC keyed by the cluster's MySQL
// password, stretched with scrypt (the signature sits in the history: a weak password must not be cheap to guess from
// it), and bound to the run and to the frozen position. A retry accepts it only when its own freeze found the same
// position: the old master did not take a write since, so the new master's position in it is still the one to use.
import { createHash, createHmac, scrypt, timingSafeEqual } from 'node:crypto';
import { sameCoordinates } from '../binlog/coordinates';
import type { CaughtUpFacts } from './decisions';

export interface FrozenAt { file: string; pos: number; gtid: string }

/** The wait's result as signed and signalled: the run, the frozen position it waited for, what it found. */
export interface CaughtUpClaim {
  workflowId: string;
  runId: string;
  frozen: FrozenAt;
  newMaster: { file: string; pos: number; gtid: string };
  origMasterNow: { file: string; pos: number };
  /** HMAC-SHA256, hex. */
  mac: string;
}

export type ClaimBinding = Pick<CaughtUpClaim, 'workflowId' | 'runId' | 'frozen'>;

/** The signed text: every field in a fixed order (not an object's key order). */
function signedText(c: Omit<CaughtUpClaim, 'mac'>): string {
  return JSON.stringify(['mhaflow switchover caught-up v1', c.workflowId, c.runId, c.frozen.file, c.frozen.pos, c.frozen.gtid,
    c.newMaster.file, c.newMaster.pos, c.newMaster.gtid, c.origMasterNow.file, c.origMasterNow.pos]);
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const keys = new Map<string, Promise<Buffer>>();

/**
 * The signing key of a cluster's password: scrypt, about 50 ms of the thread pool, computed once per worker and
 * password (the worker's warm-up computes it for each cluster, so a switchover does not wait for it).
 */
export function claimKey(password: string): Promise<Buffer> {
  const id = createHash('sha256').update(password).digest('hex');
  let k = keys.get(id);
  if (!k) {
    k = new Promise<Buffer>((resolve, reject) => scrypt(password, 'mhaflow switchover caught-up', 32, SCRYPT, (e, key) => (e ? reject(e) : resolve(key))));
    keys.set(id, k);
    k.catch(() => keys.delete(id));
  }
  return k;
}

export function signClaim(key: Buffer, c: Omit<CaughtUpClaim, 'mac'>): CaughtUpClaim {
  return { ...c, mac: createHmac('sha256', key).update(signedText(c)).digest('hex') };
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const isPosition = (x: unknown): x is { file: string; pos: number } => isObject(x) && typeof x.file === 'string' && Number.isInteger(x.pos);
const isGtidPosition = (x: unknown): x is FrozenAt => isPosition(x) && typeof (x as { gtid?: unknown }).gtid === 'string';

/**
 * Why a signalled claim cannot stand in for the wait here, or null when it can: well formed, signed with this key,
 * for this run, and for the position this attempt's freeze found.
 */
export function claimProblem(key: Buffer, claim: unknown, expect: ClaimBinding): string | null {
  if (!isObject(claim) || typeof claim.mac !== 'string' || typeof claim.workflowId !== 'string' || typeof claim.runId !== 'string'
    || !isGtidPosition(claim.frozen) || !isGtidPosition(claim.newMaster) || !isPosition(claim.origMasterNow)) return 'not a caught-up result';
  const c = claim as unknown as CaughtUpClaim;
  const mac = Buffer.from(signClaim(key, c).mac, 'hex');
  const given = Buffer.from(c.mac, 'hex');
  if (given.length !== mac.length || !timingSafeEqual(given, mac)) return 'its signature does not match (not signed by a worker of this cluster)';
  if (c.workflowId !== expect.workflowId || c.runId !== expect.runId) return `it was signed for another run (${c.workflowId} ${c.runId})`;
  const f = expect.frozen;
  if (!sameCoordinates(c.frozen, f) || c.frozen.gtid !== f.gtid) {
    return `it was signed for the frozen position ${c.frozen.file}:${c.frozen.pos}, and the old master is frozen at ${f.file}:${f.pos} now`;
  }
  return null;
}

/** The wait's facts a valid claim stands for (the new master reached the frozen position then). */
export function factsOfClaim(c: CaughtUpClaim): CaughtUpFacts {
  return { reached: true, detail: '', waitedMs: 0, newMaster: { ...c.newMaster }, origMasterNow: { ...c.origMasterNow }, fromClaim: true };
}

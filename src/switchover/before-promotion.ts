// Work the wait starts and the promotion must see finished: the caught-up result's signal (it must be in the history
// before the new master takes a write, src/switchover/claim.ts) and the stop of the new master's IO thread. Both take
// milliseconds while writes are stopped; started by the wait and finished during the hand-over to the promotion
// (the next local activity of the same workflow task, in the same process), they cost that time once, not twice.
// Nothing here is durable, and nothing needs to be: a worker that dies before the promotion finished waiting for it
// never made the new master writable, and its retry starts again from the wait.

interface Pending { work: Promise<unknown>[]; timer: NodeJS.Timeout }

export class BeforePromotion {
  private readonly pending = new Map<string, Pending>();

  /** `idleMs`: a run whose promotion never comes (a rollback) is forgotten after this long. */
  constructor(private readonly idleMs = 60_000) {}

  /** Work of this run the promotion must wait for. A rejection is kept for the promotion to throw. */
  add(run: string, work: Promise<unknown>): void {
    work.catch(() => { /* the promotion throws it */ });
    const p = this.pending.get(run);
    if (p) {
      p.work.push(work);
      p.timer.refresh();
      return;
    }
    this.pending.set(run, { work: [work], timer: setTimeout(() => this.forget(run), this.idleMs).unref() });
  }

  /**
   * Wait until the run's work is finished, and forget it. A failure is thrown (once all of it settled) and kept: a
   * retried promotion fails the same way rather than go ahead without it (the workflow then rolls back; the new
   * master never took a write), until the run is forgotten.
   */
  async settle(run: string): Promise<void> {
    const p = this.pending.get(run);
    if (!p) return;
    const failed = (await Promise.allSettled(p.work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    if (this.pending.get(run) === p) this.forget(run);
  }

  forget(run: string): void {
    const p = this.pending.get(run);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(run);
  }

  get size(): number {
    return this.pending.size;
  }
}

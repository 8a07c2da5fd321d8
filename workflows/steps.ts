// Running a workflow's steps so that each is visible: recorded for the progress query, the UI's current
// details and the report, with its phase in the MhaflowPhase search attribute. Shared by the workflows
// that change servers (failover, and the ones to come).
import { defineSearchAttributeKey } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { StepRecord, WorkflowProgress } from '../src/contracts/common';

export const MhaflowCluster = defineSearchAttributeKey('MhaflowCluster', 'KEYWORD');
export const MhaflowPhase = defineSearchAttributeKey('MhaflowPhase', 'KEYWORD');

export class StepRun {
  readonly t0 = Date.now();
  readonly progress: WorkflowProgress;
  private phase = '';

  /** `render`: the UI's current details, redrawn at every step's start and end. */
  constructor(dryRun: boolean, private readonly render: (run: StepRun) => string) {
    this.progress = { cluster: null, dryRun, current: null, steps: [], newMaster: null, finished: false };
  }

  get steps(): StepRecord[] {
    return this.progress.steps;
  }

  elapsed(): number {
    return Date.now() - this.t0;
  }

  setCluster(cluster: string): void {
    this.progress.cluster = cluster;
    upsertSearchAttributes([{ key: MhaflowCluster, value: cluster }]);
  }

  /** The search attribute names the phase, not the step: an upsert per step would cost every step a visibility write. */
  setPhase(phase: string): void {
    if (phase === this.phase) return;
    this.phase = phase;
    upsertSearchAttributes([{ key: MhaflowPhase, value: phase }]);
  }

  /** Run one step and record it; `describe` turns its result into the step's detail line. */
  async run<T>(id: string, phase: string, title: string, fn: () => Promise<T>, describe?: (r: T) => string): Promise<T> {
    const rec: StepRecord = { id, title, status: 'running', startedAt: this.elapsed() };
    this.progress.steps.push(rec);
    this.progress.current = title;
    this.setPhase(phase);
    this.redraw();
    try {
      const r = await fn();
      rec.status = 'done';
      rec.ms = this.elapsed() - rec.startedAt;
      if (describe) rec.detail = describe(r);
      return r;
    } catch (e) {
      rec.status = 'failed';
      rec.ms = this.elapsed() - rec.startedAt;
      rec.detail = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      if (this.progress.current === title) this.progress.current = null;
      this.redraw();
    }
  }

  /** A step with nothing to run (no hook configured, a decision): recorded all the same, without an activity. */
  record(id: string, phase: string, title: string, detail: string): void {
    this.setPhase(phase);
    this.progress.steps.push({ id, title, status: 'done', startedAt: this.elapsed(), ms: 0, detail });
    this.redraw();
  }

  /** The workflow ended: its last phase (completed, dry-run, failed). */
  finish(phase: string): void {
    this.progress.finished = true;
    this.progress.current = null;
    this.setPhase(phase);
    this.redraw();
  }

  redraw(): void {
    setCurrentDetails(this.render(this));
  }

  get workflowId(): string {
    return workflowInfo().workflowId;
  }

  get runId(): string {
    return workflowInfo().runId;
  }
}

/** The step table as Markdown, for the UI's current details. */
export function stepsMarkdown(steps: StepRecord[]): string[] {
  return ['| step | status | ms | detail |', '|---|---|---|---|',
    ...steps.map((s) => `| ${s.title} | ${s.status} | ${s.ms ?? ''} | ${(s.detail ?? '').replace(/\|/g, '/').replace(/\n/g, ' ')} |`)];
}

// Following a workflow with steps from the command line: each step printed as it completes (from the progress
// query), the one in progress as it starts, until the workflow ends.
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepRecord, WorkflowProgress } from '../contracts/common';

export interface Followable<R> {
  progress(): Promise<WorkflowProgress>;
  result(): Promise<R>;
}

/** Poll the progress query and print each step as it completes; the result (or the workflow's failure). */
export async function followSteps<R extends { steps: StepRecord[] }>(h: Followable<R>, opts: { pollMs?: number; write?: (line: string) => void; onStep?: (s: StepRecord) => void } = {}): Promise<R> {
  const write = opts.write ?? ((l: string) => process.stderr.write(`${l}\n`));
  const printed = new Set<number>();
  let running = '';
  let done = false;
  const result = h.result().finally(() => { done = true; });
  result.catch(() => {});
  const show = (steps: StepRecord[]) => {
    steps.forEach((s, i) => {
      if (s.status === 'running' || printed.has(i)) return;
      printed.add(i);
      opts.onStep?.(s);
      write(`  ${s.status === 'done' ? '✔' : '✖'} ${s.title} (${s.ms ?? 0} ms)${s.detail ? `\n      ${s.detail}` : ''}`);
    });
  };
  while (!done) {
    const p = await h.progress().catch(() => null);
    if (p) {
      show(p.steps);
      if (p.current && p.current !== running) { running = p.current; write(`  … ${p.current}`); }
    }
    await Promise.race([result.catch(() => {}), sleep(opts.pollMs ?? 200)]);
  }
  const r = await result;
  show(r.steps);
  return r;
}

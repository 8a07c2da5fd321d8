// The workflow bench/floor.ts runs: an activity that does nothing, n times one after the other, each timed as the
// failover's steps are (workflow time, from the activation that schedules it to the one that sees its result).
import { proxyActivities } from '@temporalio/workflow';

const { nothing } = proxyActivities<{ nothing(): Promise<void> }>({ startToCloseTimeout: '10s' });

export async function stepFloor(n: number): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = Date.now();
    await nothing();
    ms.push(Date.now() - t0);
  }
  return ms;
}

// The workflows the monitor's orchestration tests bundle: the real monitor, and a stand-in failover whose
// outcome the cluster's name chooses (…-refuse: refused as within the anti-flapping window; otherwise db2
// becomes the new master after a moment), so those tests need no lab and no failover activities.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { FailoverInput } from '../../src/contracts/failover';

export { monitor } from '../../workflows/monitor';

export async function failover(input: FailoverInput): Promise<{ cluster: string; deadMaster: string; newMaster: string }> {
  if (input.cluster.endsWith('-refuse')) {
    throw ApplicationFailure.nonRetryable(`cluster ${input.cluster} failed over at T, less than 480 minutes ago`, 'RefusedError');
  }
  await sleep(input.cluster.endsWith('-slow') ? 3000 : 200);
  return { cluster: input.cluster, deadMaster: input.deadMaster ?? '?', newMaster: 'db2' };
}

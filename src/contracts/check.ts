// The checkReplication workflow's contract (the pre-flight check, MHA masterha_check_repl + masterha_check_ssh).
export type { CheckReport } from '../check';

export const CHECK_REPLICATION_WORKFLOW = 'checkReplication';

export interface CheckReplicationInput {
  /** The cluster's name; the worker reads its config from its own directory. */
  cluster: string;
  /** Run the SSH half (default true). */
  ssh?: boolean;
}

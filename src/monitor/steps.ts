// What each of the monitor's activities (and its failover) is called in the UI's event history. Pure, no SDK.
import type { MonitorSettings } from '../contracts/monitor';

const s = (ms: number) => `${ms / 1000} s`;

export const MONITOR_SUMMARIES = {
  load: (cluster: string) => `read cluster ${cluster}: every server's state, the master, the warnings`,
  heartbeat: (servers: string[], periodSec: number) => `MASTER_HEARTBEAT_PERIOD=${periodSec} on ${servers.join(', ')} (restarts their IO thread)`,
  watch: (master: string | null, st: MonitorSettings, reachable: boolean) => (master
    ? `watch ${master}: ${st.pingType} ping every ${s(st.pingIntervalMs)}, replicas every ${s(st.replicaCheckIntervalMs)}; `
      + `back on ${reachable ? 'a failed ping' : 'an answer'} or a change`
    : `no master: read the servers every ${s(st.replicaCheckIntervalMs)} until one is`),
  confirm: (master: string, round: number) => `confirm ${master} dead (round ${round}): the manager's pings, every replica's view, its host over SSH`,
  failover: (cluster: string, master: string) => `automatic failover of cluster ${cluster}: ${master} is dead`,
  awaitFailover: (workflowId: string) => `wait for the failover ${workflowId} someone else started`,
  report: (subject: string) => `report hook: ${subject}`,
} as const;

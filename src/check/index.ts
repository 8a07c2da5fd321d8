// The pre-flight replication check (MHA masterha_check_repl + masterha_check_ssh) as pure code: what was
// read from every server (and every host over SSH) -> a context of facts -> each rule's findings -> one
// report with a row per server, a verdict, and every problem and warning with its server and its fix.
// No I/O, no Node builtins (type-only imports of I/O modules): the checkReplication workflow runs it, so
// every decision is in the workflow history. The terminal's rendering is the CLI's (src/cli/check-render.ts);
// the markdown the workflow shows in the Temporal UI is here (markdown.ts), below the workflows.
export * from './types';
export { buildCheckContext, matchSource, replicationModeOfReplicas, type CheckContext, type LiveServer, type SourceLink } from './context';
export { formatCheckMarkdown, VERDICT_TEXT } from './markdown';
export { buildCheckReport } from './report';
export { checkRows } from './rows';
export { CHECK_RULES, MIN_WORKDIR_FREE_BYTES, type CheckRule } from './rules';
export { sshCheckTargets } from './ssh-targets';

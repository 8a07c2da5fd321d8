// The worker's warm-up watches its config directory: a cluster whose config appears while it runs is warmed too.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { coresdk, temporal } from '@temporalio/proto';
import { prepareFirstUseCode, tailRehearsal, warmClusters } from '../../worker/warm';
import { localSession, M4, M4_SPLIT } from '../support/local-remote-host';

/** The log lines, as a Logger that records them. */
function recorder(): { log: Logger; lines: { level: string; obj: Record<string, unknown>; msg: string }[] } {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => { lines.push({ level, obj, msg }); };
  return { log: { info: at('info'), warn: at('warn'), debug: at('debug') } as unknown as Logger, lines };
}

async function until(f: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !f(); await sleep(20)) if (Date.now() > end) throw new Error('timed out');
}

describe('worker warm-up', () => {
  it('warms a cluster whose config appears after the start, once, and says which servers did not answer', async () => {
    process.env.MHAFLOW_TEST_WARM_PW = 'x';
    const dir = mkdtempSync(join(tmpdir(), 'warm-'));
    const { log, lines } = recorder();
    const stop = warmClusters(dir, { client: undefined, taskQueue: 'q', identity: 'w' }, log, 30);
    try {
      await sleep(100);
      assert.equal(lines.length, 0, 'nothing to warm yet');
      // Nothing listens on port 1: the read fails at once, and is reported as a problem of that server.
      writeFileSync(join(dir, 'app1.yml'), stringify({
        cluster: 'app1', mysql: { user: 'u', password: 'env:MHAFLOW_TEST_WARM_PW' }, replication: { user: 'r', password: 'env:MHAFLOW_TEST_WARM_PW' },
        ssh: { key: '/k', knownHosts: '/kh' }, servers: [{ name: 'db1', host: '127.0.0.1', port: 1 }, { name: 'db2', host: '127.0.0.1', port: 2 }],
      }));
      const summary = (l: { msg: string }) => /^warm-up: (every server answered|some servers did not answer)/.test(l.msg);
      await until(() => lines.some(summary));
      const line = lines.find(summary)!;
      assert.equal(line.level, 'warn');
      const problems = (line.obj.problems as string[]).sort();
      assert.equal(problems.length, 2, problems.join('\n'));
      assert.match(problems[0]!, /^SQL 127\.0\.0\.1:1: \[db1\] cannot connect to MySQL/);
      assert.match(problems[1]!, /^SQL 127\.0\.0\.1:2: \[db2\] cannot connect to MySQL/);
      await sleep(150);
      assert.equal(lines.filter(summary).length, 1, 'a cluster is warmed once, not at every look');
    } finally {
      stop();
    }
  });

  it('rehearses the tail\'s save on the head of the master\'s binlog: read over SFTP, planned in memory, cut at its last complete transaction', async () => {
    const whole = await tailRehearsal(localSession('db1'), M4);
    assert.deepEqual(whole, { bytes: statSync(M4).size, transactions: 15 });
    // A head that ends inside a transaction (0-91-88), as a crashed master's binlog can: 0-91-84..87 are planned, 88 cut off.
    assert.deepEqual(await tailRehearsal(localSession('db1'), M4, M4_SPLIT), { bytes: M4_SPLIT, transactions: 4 });
  });

  it('prepares the codecs of the Temporal messages a failover exchanges, which protobufjs would otherwise generate on first use', async () => {
    // Before preparation a type's decode is protobufjs's stub that generates the real one (named decode_setup).
    const types = [temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse, temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse,
      temporal.api.workflow.v1.WorkflowExecutionInfo, temporal.api.common.v1.Payload, temporal.api.errordetails.v1.NotFoundFailure,
      coresdk.workflow_activation.WorkflowActivation, coresdk.workflow_completion.WorkflowActivationCompletion, coresdk.activity_task.ActivityTask];
    const { log, lines } = recorder();
    await prepareFirstUseCode(log);
    for (const t of types) assert.notEqual(t.decode.name, 'decode_setup', `${t.name ?? 'a type'}'s decoder was not generated`);
    const line = lines.find((l) => /message codecs/.test(l.msg))!;
    assert.ok(Number(line.obj.types) > 100, `${String(line.obj.types)} types prepared`);
    // Under tsx (these tests run through it) every loaded module of ours has a source map.
    assert.ok(!process.sourceMapsEnabled || Number(line.obj.sourceMaps) > 0, `${String(line.obj.sourceMaps)} source maps parsed`);
  });
});

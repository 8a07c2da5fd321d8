// The monitor on the lab, GTID replication (scenarios in monitor-scenarios.ts).
import { after, before, describe } from 'node:test';
import { monitorScenarios } from '../support/monitor-scenarios';
import { startTemporal, type TestTemporal } from '../support/harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

describe('monitor, GTID', () => monitorScenarios('gtid', () => t));

// The failover workflow on the lab, file/position replication (scenarios in failover-scenarios.ts).
import { after, before, describe } from 'node:test';
import { scenarios } from '../support/failover-scenarios';
import { startTemporal, type TestTemporal } from '../support/harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

describe('failover, file/position', () => scenarios('filepos', () => t));

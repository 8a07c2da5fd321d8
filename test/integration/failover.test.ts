// The failover workflow on the lab, file/position replication (scenarios in failover-scenarios.ts).
import { after, before, describe } from 'node:test';
import { scenarios } from './failover-scenarios';
import { startTemporal, type TestTemporal } from './harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

describe('failover, file/position', () => scenarios('filepos', () => t));

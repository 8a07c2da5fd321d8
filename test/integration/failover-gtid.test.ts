// The failover workflow on the lab, MariaDB GTID replication (MASTER_USE_GTID=slave_pos); scenarios in failover-scenarios.ts.
import { after, before, describe } from 'node:test';
import { scenarios } from '../support/failover-scenarios';
import { startTemporal, type TestTemporal } from '../support/harness';

let t: TestTemporal;
before(async () => { t = await startTemporal(); });
after(async () => { await t?.stop(); });

describe('failover, GTID', () => scenarios('gtid', () => t));

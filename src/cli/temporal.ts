// `mhaflow temporal up|down|status`: the Temporal dev server of the lab.
import type { Command } from 'commander';
import { uiBaseUrl } from '../temporal/config';
import { temporalDown, temporalStatus, temporalUp } from '../temporal/server';

const say = (m: string): void => { process.stderr.write(`${m}\n`); };

export function register(program: Command): void {
  const t = program.command('temporal').description('the Temporal dev server (SQLite file under .lab/temporal; UI on 8233)');
  t.command('up').description('start it (building the pinned CLI once when missing) and wait until it serves').action(async () => {
    const t0 = Date.now();
    const r = await temporalUp(say);
    say(`temporal ${r.reused ? 'already running' : 'up'} (pid ${r.pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s); UI: ${uiBaseUrl()}`);
  });
  t.command('down').description('stop it (history stays in the SQLite file)').action(async () => {
    say((await temporalDown()) ? 'temporal stopped' : 'temporal was not running');
  });
  t.command('status').action(async () => {
    const s = await temporalStatus();
    process.stdout.write(`${s.pid ? `running (pid ${s.pid})` : 'not running'}; frontend ${s.listening ? 'listening' : 'closed'}; db ${s.db}; log ${s.log}; UI ${uiBaseUrl()}\n`);
    if (!s.pid) process.exitCode = 3;
  });
}

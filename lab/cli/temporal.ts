// `mhaflow temporal up|down|status`: the Temporal dev server of the lab.
import { uiBaseUrl } from '../../src/temporal/config';
import { temporalDown, temporalStatus, temporalUp } from '../temporal-server';

const say = (m: string): void => { process.stderr.write(`${m}\n`); };

export async function upCommand(): Promise<void> {
  const t0 = Date.now();
  const r = await temporalUp(say);
  say(`temporal ${r.reused ? 'already running' : 'up'} (pid ${r.pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s); UI: ${uiBaseUrl()}`);
}

export async function downCommand(): Promise<void> {
  say((await temporalDown()) ? 'temporal stopped' : 'temporal was not running');
}

export async function statusCommand(): Promise<void> {
  const s = await temporalStatus();
  process.stdout.write(`${s.pid ? `running (pid ${s.pid})` : 'not running'}; frontend ${s.listening ? 'listening' : 'closed'}; db ${s.db}; log ${s.log}; UI ${uiBaseUrl()}\n`);
  if (!s.pid) process.exitCode = 3;
}

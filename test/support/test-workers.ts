import { afterEach } from 'node:test';
import type { WorkerProcess } from '../../lab/worker-process';

/**
 * The list a test file puts its worker processes in; each test's are killed when it ends. Left running, they keep SSH
 * shells open on the lab that the next test resets. Each shell they reopen runs root's .bashrc, where pyenv rehashes
 * under one lock. On 2 cores that queue once loaded the machine so much (load 30+) that mariadbd missed the next test's
 * 1 s connect timeout.
 */
export function workersOfEachTest(): WorkerProcess[] {
  const workers: WorkerProcess[] = [];
  afterEach(async () => { await Promise.all(workers.splice(0).map((w) => w.kill())); });
  return workers;
}

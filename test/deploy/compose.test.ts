// docker-compose.yml cannot run here (no Docker engine): check that it parses and is wired as documented.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseClusterConfig } from '../../src/config/load';

const root = resolve(__dirname, '..', '..');
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: string; ports?: string[]; healthcheck?: { test: unknown }; depends_on?: Record<string, { condition: string }>;
    environment?: Record<string, string>; command?: unknown; network_mode?: string; volumes?: string[]; secrets?: string[]; stop_grace_period?: string }>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};
const svc = compose.services;

describe('docker-compose.yml', () => {
  it('has the production-shaped services', () => {
    for (const s of ['postgresql', 'temporal', 'temporal-ui', 'temporal-search-attributes', 'mysql-primary', 'mysql-replica1', 'mysql-replica2', 'worker']) {
      assert.ok(svc[s], `service ${s} missing`);
    }
  });

  it('persists Temporal in PostgreSQL and exposes the frontend and the UI', () => {
    assert.equal(svc.temporal!.environment!.DB, 'postgres12');
    assert.equal(svc.temporal!.environment!.POSTGRES_SEEDS, 'postgresql');
    assert.deepEqual(svc.temporal!.depends_on, { postgresql: { condition: 'service_healthy' } });
    assert.ok(svc.temporal!.ports!.includes('127.0.0.1:7233:7233'));
    assert.ok(svc['temporal-ui']!.ports!.includes('127.0.0.1:8080:8080'));
    // Anyone who reaches Temporal can start workflows: every published port is bound to the host's loopback.
    for (const [name, s] of Object.entries(svc)) for (const p of s.ports ?? []) assert.match(p, /^127\.0\.0\.1:/, `${name} publishes ${p} on every interface`);
    assert.equal(svc['temporal-ui']!.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.match(JSON.stringify(svc['temporal-search-attributes']!.command), /MhaflowCluster MhaflowPhase/);
  });

  it('gives Temporal the dynamic config that turns eager activity execution on', () => {
    const path = svc.temporal!.environment!.DYNAMIC_CONFIG_FILE_PATH!;
    const mount = svc.temporal!.volumes!.find((v) => v.split(':')[1] === path);
    assert.ok(mount, `no volume mounts ${path}`);
    const file = parse(readFileSync(resolve(root, mount.split(':')[0]!), 'utf8')) as Record<string, { value: unknown }[]>;
    assert.deepEqual(file['system.enableActivityEagerExecution'], [{ value: true }]);
  });

  it('runs MySQL 8.4 with GTID on a primary and two read-only replicas, with healthchecks', () => {
    for (const s of ['mysql-primary', 'mysql-replica1', 'mysql-replica2']) {
      assert.equal(svc[s]!.image, 'mysql:8.4', s);
      const cmd = (svc[s]!.command as string[]).join(' ');
      assert.match(cmd, /--gtid-mode=ON/);
      assert.match(cmd, /--enforce-gtid-consistency=ON/);
      assert.match(cmd, /--log-bin=/);
      assert.ok(svc[s]!.healthcheck, `${s} healthcheck`);
    }
    for (const r of ['mysql-replica1', 'mysql-replica2']) {
      assert.match((svc[r]!.command as string[]).join(' '), /--read-only=ON/);
      assert.deepEqual(svc[r]!.depends_on, { 'mysql-primary': { condition: 'service_healthy' } });
      assert.ok(svc[r]!.volumes!.some((v) => v.includes('init-replica.sh')));
    }
    const ids = ['mysql-primary', 'mysql-replica1', 'mysql-replica2'].map((s) => (svc[s]!.command as string[]).find((a) => a.startsWith('--server-id')));
    assert.equal(new Set(ids).size, 3, 'unique server ids');
  });

  it('gives each MySQL server an sshd sidecar on its network and binlog volume', () => {
    for (const s of ['mysql-primary', 'mysql-replica1', 'mysql-replica2']) {
      const side = svc[`${s}-ssh`];
      assert.ok(side, `${s}-ssh missing`);
      assert.equal(side.network_mode, `service:${s}`);
      assert.ok(side.volumes!.some((v) => v.startsWith(`${s}-data:/var/lib/mysql`)));
    }
  });

  it('starts the worker after Temporal, the search attributes and every MySQL server are ready', () => {
    const w = svc.worker!;
    assert.equal(w.environment!.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.equal(w.depends_on!.temporal!.condition, 'service_healthy');
    assert.equal(w.depends_on!['temporal-search-attributes']!.condition, 'service_completed_successfully');
    for (const s of ['mysql-primary', 'mysql-replica1', 'mysql-replica2']) assert.equal(w.depends_on![s]!.condition, 'service_healthy');
    assert.ok(w.healthcheck);
  });

  it('references only files that exist or that deploy/make-secrets.sh creates, and every dependency is a service', () => {
    for (const [name, s] of Object.entries(svc)) {
      for (const dep of Object.keys(s.depends_on ?? {})) assert.ok(svc[dep], `${name} depends on unknown ${dep}`);
      for (const sec of s.secrets ?? []) assert.ok(compose.secrets[sec], `${name} uses undeclared secret ${sec}`);
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./deploy/secrets/')) continue;
        if (src.startsWith('./')) assert.ok(existsSync(resolve(root, src)), `${name}: ${src} missing`);
        else assert.ok(src in compose.volumes, `${name}: volume ${src} undeclared`);
      }
      if (s.build) assert.ok(existsSync(resolve(root, s.build, 'Dockerfile')), `${name}: no Dockerfile in ${s.build}`);
    }
    for (const [name, sec] of Object.entries(compose.secrets)) assert.match(sec.file, /^\.\/deploy\/secrets\//, name);
    const makeSecrets = readFileSync(resolve(root, 'deploy/make-secrets.sh'), 'utf8');
    for (const f of ['mysql-root', 'mhaflow-mysql', 'mhaflow-repl', 'postgres', 'id_ed25519', 'known_hosts']) assert.ok(makeSecrets.includes(f), f);
  });

  it('stops the worker gracefully: tini passes SIGTERM on, the grace period outlasts the worker\'s, liveness from /healthz', () => {
    const docker = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
    assert.match(docker, /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "bin\/mhaflow\.js"\]$/m);
    assert.match(docker, /apt-get install .*\btini\b/);
    const w = svc.worker!;
    assert.deepEqual(w.command, ['worker']);
    const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1]);
    assert.ok(seconds(w.stop_grace_period!) > seconds(w.environment!.MHAFLOW_SHUTDOWN_GRACE!) + 1, 'docker stop waits longer than the worker\'s grace + 1 s');
    assert.match(w.environment!.MHAFLOW_METRICS_ADDRESS!, /:9464$/);
    assert.match(JSON.stringify(w.healthcheck!.test), /127\.0\.0\.1:9464\/healthz/);
  });

  it('ships a cluster config for the stack that validates', () => {
    const cfg = parseClusterConfig(parse(readFileSync(resolve(root, 'deploy/cluster.yml'), 'utf8')), 'deploy/cluster.yml');
    assert.deepEqual(cfg.servers.map((s) => s.host), ['mysql-primary', 'mysql-replica1', 'mysql-replica2']);
  });
});

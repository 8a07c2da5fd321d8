// The worker's clusters: a name resolves to a config file in the worker's directory; the digest pins it.
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { clusterConfig, configDigest, listClusters, loadCluster } from '../../../src/config/registry';
import { ConfigError } from '../../../src/errors';

const base = (cluster: string) => ({
  cluster, mysql: { user: 'u', password: 'env:X' }, replication: { user: 'r', password: 'env:X' }, ssh: { key: '/k', knownHosts: '/kh' },
  servers: [{ name: 'db1', host: '10.0.0.1' }, { name: 'db2', host: '10.0.0.2' }],
});

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'clusters-'));
  for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), typeof v === 'string' ? v : stringify(v));
  return dir;
}

describe('cluster registry', () => {
  it('finds <name>.yml, or the one file declaring the name', () => {
    const dir = dirWith({ 'app1.yml': base('app1'), 'mha-import.yaml': base('app2'), 'notes.txt': 'x', 'broken.yml': 'cluster: [' });
    assert.equal(loadCluster('app1', dir).cfg.cluster, 'app1');
    assert.equal(loadCluster('app2', dir).path, join(dir, 'mha-import.yaml'));
    assert.deepEqual(listClusters(dir).map((c) => c.name), ['app1', 'app2']);
  });
  it('an unknown cluster names the directory and what it holds', () => {
    const dir = dirWith({ 'app1.yml': base('app1') });
    assert.throws(() => loadCluster('app9', dir), (e: unknown) => e instanceof ConfigError && e.message.includes(`no config for cluster app9 in ${dir}`) && /it has: app1/.test(e.message));
  });
  it('refuses names that are not cluster names, and a file declaring another cluster', () => {
    const dir = dirWith({ 'app1.yml': base('other') });
    assert.throws(() => loadCluster('../etc/passwd', dir), /is not a cluster name/);
    assert.throws(() => loadCluster('app1', dir), /declares cluster other, not app1/);
  });
  it('two files declaring one cluster is an error', () => {
    const dir = dirWith({ 'a.yml': base('app1'), 'b.yml': base('app1') });
    assert.throws(() => listClusters(dir), /cluster app1 is declared by both/);
  });
  it('the digest is stable and pins the file: a changed file is refused, naming both digests', () => {
    const dir = dirWith({ 'app1.yml': base('app1') });
    const first = loadCluster('app1', dir);
    assert.equal(first.digest, configDigest(first.cfg));
    assert.equal(clusterConfig({ name: 'app1', digest: first.digest }, dir).cluster, 'app1');
    writeFileSync(join(dir, 'app1.yml'), stringify({ ...base('app1'), servers: [...base('app1').servers, { name: 'db3', host: '10.0.0.3' }] }));
    const second = loadCluster('app1', dir);
    assert.notEqual(second.digest, first.digest);
    assert.throws(() => clusterConfig({ name: 'app1', digest: first.digest }, dir), new RegExp(`changed since this workflow started \\(digest ${first.digest}, now ${second.digest}\\)`));
  });
  it('a file that declares another name once edited is read again (names are kept only while a file is unchanged)', () => {
    const dir = dirWith({ 'm.yml': base('app1') });
    assert.equal(loadCluster('app1', dir).path, join(dir, 'm.yml'));
    writeFileSync(join(dir, 'm.yml'), stringify(base('app22')));
    utimesSync(join(dir, 'm.yml'), new Date(Date.now() + 5000), new Date(Date.now() + 5000));
    assert.deepEqual(listClusters(dir).map((c) => c.name), ['app22']);
    assert.throws(() => loadCluster('app1', dir), /no config for cluster app1/);
    assert.equal(loadCluster('app22', dir).cfg.cluster, 'app22');
  });
  it('key order does not change the digest', () => {
    const a = loadCluster('app1', dirWith({ 'app1.yml': base('app1') }));
    const { servers, ...rest } = base('app1');
    const b = loadCluster('app1', dirWith({ 'app1.yml': { servers, ...rest } }));
    assert.equal(a.digest, b.digest);
  });
});

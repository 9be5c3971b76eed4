// The sync benchmark's yardstick: the same observations as documents, replicated by PouchDB
// into pouchdb-server (both in memory) on loopback. One document per observation, holding its
// 40 counter events, 5 notes and 5 sign ratings with the field names and sizes Blik sends.
// Bytes on the wire are counted by a TCP proxy between the replicator and the server. Beside
// each time, the CPU time both sides spent (this process, its proxy included, and the server's),
// which a machine shared with other work does not inflate as it does the wall clock.
// Prints lines "BENCH<TAB>name<TAB>value<TAB>unit<TAB>note". Usage: node compare.js [N]
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');
// The tablet's side is PouchDB's core with its in-memory, HTTP and replication plugins only: the
// full `pouchdb` package would bring LevelDB's native module, which this yardstick never uses.
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-replication'));

const N = parseInt(process.argv[2] || '10000', 10);

function report(name, value, unit, note) {
  process.stdout.write(`BENCH\t${name}\t${value}\t${unit}\t${note}\n`);
}

// Ids made from the numbers, as this yardstick first had them: they compress to a few bytes
// each. A real PouchDB application's ids would be random (version 4 UUIDs; Blik's are version 7:
// the time, a count in the millisecond, then bits drawn once per opening of the store), so the
// yardstick runs a second time with random ids, reported under names ending in _random_ids:
// gzip cannot shrink a random id below its 16 bytes.
let randomIds = false;
function uuid(i, k) {
  if (randomIds) return crypto.randomUUID();
  const h = (i * 7919 + k * 104729).toString(16).padStart(12, '0').slice(-12);
  return `0b11c000-0000-4000-8000-${h}`;
}

const fixed = {};
// The unit's, focus's, people's and signs' ids: one each, the same in every document.
function once(k) {
  if (!(k in fixed)) fixed[k] = uuid(0, k);
  return fixed[k];
}

function observation(i) {
  const id = uuid(i, 0);
  const t0 = 1767225600000 + i * 3600000;
  const events = [];
  for (let e = 0; e < 40; e++)
    events.push({ id: uuid(i, e + 1), observation_id: id, kind: 'count', key: 'open_q',
                  target_id: '', at: t0 + e * 20000 });
  const notes = [];
  for (let k = 0; k < 5; k++)
    notes.push({ id: uuid(i, 100 + k), observation_id: id, at: t0 + k * 60000,
                 text: `Note ${k}: Asked an open question and waited; three children answered in whole sentences.`,
                 sign_id: '' });
  const ratings = [];
  for (let k = 0; k < 5; k++)
    ratings.push({ observation_id: id, sign_id: once(200 + k), level: k % 3, at: t0 });
  return {
    _id: id, unit_id: once(300), focus_id: once(301), focus_version: 1,
    template_id: once(302), template_version: 1, observer_id: once(303),
    observee_id: once(304), room_id: once(305), activity: 'Circle time', context: {},
    agreement: true, started_at: t0, ended_at: t0 + 900000, status: 'finished', revision: 1,
    updated_at: t0 + 900000, events, notes, ratings,
  };
}

// A TCP proxy that counts bytes both ways, so the figure includes HTTP headers.
function countingProxy(targetPort) {
  const counts = { up: 0, down: 0 };
  const server = net.createServer((c) => {
    const s = net.connect(targetPort, '127.0.0.1');
    c.on('data', (b) => { counts.up += b.length; s.write(b); });
    s.on('data', (b) => { counts.down += b.length; c.write(b); });
    c.on('end', () => s.end()); s.on('end', () => c.end());
    c.on('error', () => s.destroy()); s.on('error', () => c.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
    resolve({ server, counts, port: server.address().port })));
}

// CPU time in seconds: this process's, and the server process's from /proc (user and system).
function ownCpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
function procCpu(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is the state (field 3): utime and stime are fields 14 and 15.
  return (Number(f[11]) + Number(f[12])) / clockTicks;
}
const clockTicks = Number(require('child_process').execFileSync('getconf', ['CLK_TCK']).toString()) || 100;

// Reports the CPU time both sides spent since c0 (from cpuBoth) under name, name_tablet and
// name_server.
function cpuBoth(pid) { return [ownCpu(), procCpu(pid)]; }
function reportCpu(name, c0, pid, note) {
  const c = cpuBoth(pid);
  report(`${name}_tablet`, (c[0] - c0[0]).toFixed(3), 's', 'CPU time of the replicating process, its proxy included');
  report(`${name}_server`, (c[1] - c0[1]).toFixed(3), 's', 'CPU time of pouchdb-server');
  report(name, (c[0] - c0[0] + c[1] - c0[1]).toFixed(3), 's', note);
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

async function waitUp(port) {
  for (let i = 0; i < 200; i++) {
    try {
      const ok = await new Promise((resolve) => {
        const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
        c.on('error', () => resolve(false));
      });
      if (ok) return;
    } catch (e) { /* retry */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pouchdb-server did not start');
}

async function run(suffix, withIdle) {
  const port = await freePort();
  const bin = path.join(__dirname, 'node_modules', '.bin', 'pouchdb-server');
  const srv = spawn(bin, ['--in-memory', '--port', String(port), '--host', '127.0.0.1', '--no-stdout-logs'],
                    { cwd: __dirname, stdio: 'ignore' });
  try {
    await waitUp(port);
    const proxy = await countingProxy(port);
    const url = `http://127.0.0.1:${proxy.port}/blik`;
    const local = new PouchDB(`tablet-a${suffix}`, { adapter: 'memory' });
    for (let i = 0; i < N; i += 500) {
      const docs = [];
      for (let k = i; k < Math.min(N, i + 500); k++) docs.push(observation(k));
      await local.bulkDocs(docs);
    }
    const note = `${N} documents, pouchdb-server --in-memory, plain HTTP on loopback`;

    let c0 = cpuBoth(srv.pid);
    let t = process.hrtime.bigint();
    const pushed = await local.replicate.to(url);
    const pushS = Number(process.hrtime.bigint() - t) / 1e9;
    if (pushed.docs_written !== N) throw new Error(`pushed ${pushed.docs_written} of ${N}`);
    report(`pouch_push_time${suffix}`, pushS.toFixed(3), 's', note);
    reportCpu(`pouch_push_cpu${suffix}`, c0, srv.pid, note);
    report(`pouch_push_wire_bytes${suffix}`, proxy.counts.up + proxy.counts.down, 'bytes', note);

    proxy.counts.up = proxy.counts.down = 0;
    const fresh = new PouchDB(`tablet-b${suffix}`, { adapter: 'memory' });
    c0 = cpuBoth(srv.pid);
    t = process.hrtime.bigint();
    const pulled = await fresh.replicate.from(url);
    const pullS = Number(process.hrtime.bigint() - t) / 1e9;
    if (pulled.docs_written !== N) throw new Error(`pulled ${pulled.docs_written} of ${N}`);
    report(`pouch_pull_time${suffix}`, pullS.toFixed(3), 's', note);
    reportCpu(`pouch_pull_cpu${suffix}`, c0, srv.pid, note);
    report(`pouch_pull_wire_bytes${suffix}`, proxy.counts.up + proxy.counts.down, 'bytes', note);

    const idle = [];
    for (let k = 0; withIdle && k < 21; k++) {
      t = process.hrtime.bigint();
      const r = await local.replicate.to(url);
      idle.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.docs_written !== 0) throw new Error('an idle round wrote documents');
    }
    idle.sort((a, b) => a - b);
    if (withIdle) report('pouch_idle_round', idle[10].toFixed(2), 'ms', 'median of 21 replications with nothing to do');
    proxy.server.close();
  } finally {
    srv.kill('SIGTERM');
  }
}

async function main() {
  await run('', true);
  randomIds = true;
  for (const k of Object.keys(fixed)) delete fixed[k];
  await run('_random_ids', false);
}

main().then(() => process.exit(0), (e) => { console.error(`compare.js: ${e.message}`); process.exit(1); });

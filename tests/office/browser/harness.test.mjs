// The browser tests' own ground: the world's server is reached over TLS that
// chromium verifies against the world's CA (a browser without that CA refuses
// it, so no certificate error is being ignored), admin commands reach the
// world's database, and a missing browser or tool fails with a sentence
// saying what to install instead of skipping.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from './lib/suite.mjs';

import { Office, launch, loadTools, tabletShowsFocus } from './lib/office.mjs';

let office;
before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

test('chromium trusts the world\'s CA and reaches the real server over TLS', async () => {
  const ctx = await office.browser.newContext();
  const page = await ctx.newPage();
  const r = await page.goto(`${office.world.url}/v1/ping`);
  assert.equal(r.status(), 200, 'the tablets\' ping answers over verified TLS');
  const tls = await r.securityDetails();
  assert.equal(tls.issuer, 'Blik Test CA');
  await ctx.close();
});

test('a browser that does not trust the CA refuses the server', async () => {
  const other = await launch(office.tools, office.world, { trustCa: false });
  try {
    const page = await other.newPage();
    await assert.rejects(page.goto(`${office.world.url}/v1/ping`), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await other.close();
  }
});

test('admin commands run against the world\'s database', () => {
  const unit = office.world.admin(['unit-add', '--name', 'Harness unit']).out;
  assert.match(unit, /^[0-9a-f-]{36}$/, 'unit-add prints the new unit\'s id');
  const bad = office.world.admin(['unit-add'], { status: 2 });
  assert.notEqual(bad.err, '', 'a command used wrongly says why');
});

test('a missing chromium fails with what to install', async () => {
  await assert.rejects(loadTools('/nonexistent/chromium'),
    /chromium is not installed at \/nonexistent\/chromium: run bash \.ci\/deps/);
});

test('a headless tablet enrols with a code, syncs and shows a focus on its start screen', async () => {
  const w = office.world;
  const unit = w.admin(['unit-add', '--name', 'Tablet unit']).out;
  w.admin(['room-add', '--unit', unit, '--name', 'Blå stue']);
  const lea = w.admin(['person-add', '--unit', unit, '--name', 'Lea Leder', '--role', 'leader']).out;
  w.admin(['pin-set', '--person', lea], { input: '2580\n' });
  const tmplFile = join(w.dir, 'template.json');
  writeFileSync(tmplFile, JSON.stringify({
    id: randomUUID(), unit_id: unit, version: 1, name: 'Spørgsmål',
    scale: ['Ikke set', 'Delvist', 'Tydeligt'], counters: [{ key: 'open_q', label: 'Åbent spørgsmål' }],
    thresholds: { green_pct: 70, yellow_pct: 40 },
  }));
  const tmpl = w.admin(['template-add', '--unit', unit, '--file', tmplFile]).out;
  const today = new Date();
  const day = (d) => new Date(today.getTime() + d * 86400000).toISOString().slice(0, 10);
  const question = 'Hvordan stiller vi åbne spørgsmål?';
  w.admin(['focus-add', '--unit', unit, '--question', question, '--from', day(-30), '--to', day(30),
    '--template', tmpl, '--sign', 'Børn svarer i sætninger']);
  const code = w.admin(['enrol-code', '--unit', unit]).out;
  await tabletShowsFocus(w, { code, name: 'Stue 3', person: 'Lea Leder', pin: '2580', focus: question });
  // The tablet reached the server under its name, and a code is used once.
  assert.match(w.admin(['device-list', '--unit', unit]).out, /Stue 3/);
  await assert.rejects(tabletShowsFocus(w, { code, name: 'Stue 4', person: 'Lea Leder', pin: '2580', focus: question }),
    /office_tablet exited 1:[\s\S]*enrolment/);
});

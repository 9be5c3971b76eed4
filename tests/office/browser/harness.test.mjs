// The browser tests' own ground: the world's server is reached over TLS that
// chromium verifies against the world's CA (a browser without that CA refuses
// it, so no certificate error is being ignored), admin commands reach the
// world's database, and a missing browser or tool fails with a sentence
// saying what to install instead of skipping.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Office, launch, loadTools } from './lib/office.mjs';

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

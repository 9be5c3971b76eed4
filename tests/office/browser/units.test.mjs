// Units, rooms and tablets in a real browser: an administrator adds a unit
// and two rooms, makes an enrolment code (shown large), a tablet enrols with
// it through the tablets' protocol, and the administrator revokes it, after
// which the tablet's next request is refused as revoked. The same walk is
// made with JavaScript on at a laptop's width and with JavaScript off at a
// tablet's; axe checks every page, and a leader of another unit is refused.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { after, before, test } from './lib/suite.mjs';

import { LAPTOP, Office, TABLET } from './lib/office.mjs';

let office;
before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

// One SQL statement on the world's database (text the test wrote, never
// input); its rows, one a line.
function sql(query) {
  const r = spawnSync('psql', [office.world.conninfo, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1',
    '-c', query], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`psql: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

// An account with a live session, made in the database as the in-process
// tests make theirs (the token's hash, and a form token), and the cookie
// that carries it into a browser.
function account(role, name, person = null) {
  const id = randomBytes(16).toString('hex');
  const token = randomBytes(32).toString('hex');
  const csrf = randomBytes(32).toString('hex');
  const hash = createHash('sha256').update(token).digest('hex');
  sql(`INSERT INTO accounts (id, login, person_id, role, name) VALUES
    ('${id}', '${role}-${id.slice(0, 8)}', ${person ? `'${person}'` : 'NULL'}, '${role}', '${name}')`);
  sql(`INSERT INTO sessions (token_sha256, account_id, csrf) VALUES ('${hash}', '${id}', '${csrf}')`);
  return { name: '__Host-blik', value: token, url: office.world.url, secure: true, httpOnly: true,
    sameSite: 'Strict' };
}

// A tablet's request over the world's TLS, verified against its CA.
function v1(path, body, authz) {
  const url = new URL(path, office.world.url);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST', ca: readFileSync(office.world.ca),
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data),
        'User-Agent': 'Blik/1.0 browser-test', ...(authz ? { Authorization: authz } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

// The walk, as one administrator at one browser.
async function walk({ javaScript, viewport, unitName, rooms, shots }) {
  const v = await office.visitor({ javaScript, viewport });
  await v.context.addCookies([account('admin', 'Ada Administrator')]);
  const page = v.page;
  const shot = (name) => (shots ? `units-${name}` : undefined);

  await v.goto('/units', { shot: shot('list-empty') });
  await v.follow(page.getByRole('link', { name: 'Tilføj en enhed' }).first(), { shot: shot('new') });
  // A refused form: the errors are said by their fields, nothing is made.
  await page.getByLabel('Navn').fill('');
  await page.getByLabel('Opbevaring i dage').fill('0');
  await v.follow(page.getByRole('button', { name: 'Tilføj enheden' }), { status: 400, shot: shot('new-errors') });
  assert.match(await page.locator('.errors').innerText(), /Skriv et navn/);
  await page.getByLabel('Navn').fill(unitName);
  await page.getByLabel('Opbevaring i dage').fill('365');
  await v.follow(page.getByRole('button', { name: 'Tilføj enheden' }));
  assert.match(page.url(), /\/units\/[0-9a-f-]{36}\?done=added$/);
  const unitId = /\/units\/([0-9a-f-]{36})/.exec(page.url())[1];
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), unitName);

  for (const room of rooms) {
    await page.getByLabel('Stuens navn', { exact: true }).fill(room);
    await v.follow(page.getByRole('button', { name: 'Tilføj stuen' }));
    assert.equal(await page.getByRole('status').innerText(), 'Tilføjet.');
  }
  for (const room of rooms)
    assert.equal(await page.locator(`input[value="${room}"]`).count(), 1, `${room} is listed`);
  await v.check(shot('unit'));
  assert.deepEqual(sql(`SELECT name FROM rooms WHERE unit_id = '${unitId}' ORDER BY name`),
    [...rooms].sort());

  await v.follow(page.getByRole('link', { name: 'Tabletter' }).last(), { shot: shot('tablets-empty') });
  await page.getByLabel('Koden virker i').selectOption('1440');
  await v.follow(page.getByRole('button', { name: 'Lav en tilmeldingskode' }), { shot: shot('enrol-code') });
  const code = (await page.locator('.code').innerText()).trim();
  assert.match(code, /^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);
  const size = await page.locator('.code').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  assert.ok(size >= 36, `the code is large (${size}px)`);
  assert.match(await page.locator('main').innerText(), /Gyldig til/);

  // The tablet enrols with it through the real protocol.
  const name = `Tablet ${rooms[0]}`;
  const enrol = await v1('/v1/enrol', { schema: 1, code: code.toLowerCase(), name });
  assert.equal(enrol.status, 200, JSON.stringify(enrol.json));
  const authz = `Bearer ${enrol.json.device_id}.${enrol.json.device_secret}`;
  const pull = { schema: 1, cursor: 0, limit: 100, person_id: '' };
  assert.equal((await v1('/v1/pull', pull, authz)).status, 200);

  await v.follow(page.getByRole('link', { name: 'Tilbage til tabletterne' }));
  assert.match(await page.locator('table').innerText(), new RegExp(name));
  await v.check(shot('tablets'));
  await v.follow(page.getByRole('button', { name: `Tilbagekald ${name}`, exact: true }),
    { shot: shot('revoke-confirm') });
  assert.match(await page.locator('main').innerText(), /bliver den afvist/);
  await v.follow(page.getByRole('button', { name: 'Tilbagekald tabletten' }), { shot: shot('revoked') });
  assert.match(await page.getByRole('status').innerText(), /tilbagekaldt/);
  assert.match(await page.locator('table').innerText(), /Tilbagekaldt/);

  const refused = await v1('/v1/pull', pull, authz);
  assert.notEqual(refused.status, 200);
  assert.equal(refused.json.error.code, 'device_revoked');
  await v.close();
  return unitId;
}

test('an administrator adds a unit and two rooms, enrols a tablet and revokes it (JavaScript on)', async () => {
  await walk({ javaScript: true, viewport: LAPTOP, unitName: 'Børnehuset Mælkebøtten',
    rooms: ['Rød stue', 'Grøn stue'], shots: true });
});

test('the same with JavaScript off, at a tablet\'s width', async () => {
  const unit = await walk({ javaScript: false, viewport: TABLET, unitName: 'Skovbørnehaven Egern',
    rooms: ['Uglerne', 'Myrerne'], shots: false });
  // A leader of another unit is refused its page and its tablets.
  const other = office.world.admin(['unit-add', '--name', 'Anden enhed']).out;
  const leader = office.world.admin(['person-add', '--unit', other, '--name', 'Bo Leder',
    '--role', 'leader']).out;
  const v = await office.visitor({ javaScript: false });
  await v.context.addCookies([account('leader', 'Bo Leder', leader)]);
  await v.goto(`/units/${unit}`, { status: 403, shot: 'units-refused' });
  assert.doesNotMatch(await v.page.locator('main').innerText(), /Skovbørnehaven/);
  await v.goto(`/tablets?unit=${unit}`, { status: 403 });
  await v.goto('/units', { status: 200 }); // their own unit's page
  assert.equal(await v.page.getByRole('heading', { level: 1 }).innerText(), 'Anden enhed');
  await v.close();
});

// Planned observations in a real browser. A unit's leader, with JavaScript
// off, plans one observation with the form (and reads the form's messages
// when the observer would observe himself), makes a peer rota for two weeks,
// adjusts the proposal (one row left out) and publishes it; the list counts
// per focus what is planned and waiting for agreement. The colleague
// observed signs in, finds the plan among their own and agrees with the
// page's button (JavaScript on); another peer is refused the plan. The
// leader cancels one. An area leader reads the counts without a name, and
// the area overview shows them per focus. axe-core checks every page; the
// screenshots (when asked for) are those in tests/office/screenshots.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from './lib/suite.mjs';

import { Office } from './lib/office.mjs';

let office;

before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

function sql(world, statement) {
  const r = spawnSync('psql', [world.conninfo, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement],
    { encoding: 'utf8', timeout: 30000 });
  if (r.error)
    throw new Error(`psql could not run (Debian's postgresql-client): ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

const q = (s) => `'${String(s).replace(/'/g, "''")}'`;

// A day n days from today, YYYY-MM-DD (the server's calendar is the same).
function day(n) {
  const d = new Date();
  d.setDate(d.getDate() + n);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

// The Monday on or after n days from today, and the Sunday a fortnight on.
function fortnight(n) {
  const d = new Date();
  d.setDate(d.getDate() + n);
  while (d.getDay() !== 1)
    d.setDate(d.getDate() + 1);
  const iso = (x) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}-${String(x.getDate()).padStart(2, '0')}`;
  const from = iso(d);
  d.setDate(d.getDate() + 13);
  return [from, iso(d)];
}

// An account of role for person (or with units for an area leader) with a
// live session; returns the session's token.
function session(world, role, name, { person = null, units = [] } = {}) {
  const account = randomBytes(16).toString('hex');
  const token = randomBytes(32).toString('hex');
  const csrf = randomBytes(32).toString('hex');
  const hash = createHash('sha256').update(token).digest('hex');
  sql(world, `INSERT INTO accounts (id, login, person_id, role, name) VALUES (${q(account)}, ` +
    `${q(`${role}-${account.slice(0, 6)}`)}, ${person ? q(person) : 'NULL'}, ${q(role)}, ${q(name)}); ` +
    units.map((u) => `INSERT INTO account_units (account_id, unit_id) VALUES (${q(account)}, ${q(u)}); `).join('') +
    `INSERT INTO sessions (token_sha256, account_id, csrf) VALUES (${q(hash)}, ${q(account)}, ${q(csrf)})`);
  return token;
}

async function signedIn(v, token) {
  await v.context.addCookies([{
    name: '__Host-blik', value: token, url: office.world.url, secure: true, httpOnly: true,
    sameSite: 'Strict',
  }]);
}

const mainText = async (page) => (await page.locator('main').innerText()).replace(/\u00a0/g, ' ');

// The unit the tests share.
let U;
function unit() {
  if (U)
    return U;
  const w = office.world;
  const id = w.admin(['unit-add', '--name', 'Børnehuset Solsikken']).out;
  w.admin(['room-add', '--unit', id, '--name', 'Blå stue']);
  const person = (name, role = 'peer') =>
    w.admin(['person-add', '--unit', id, '--name', name, '--role', role]).out;
  const lene = person('Lene Leder', 'leader');
  const per = person('Per Pædagog');
  const pia = person('Pia Pædagog');
  person('Palle Pædagog');
  const file = join(w.dir, 'plans-template.json');
  writeFileSync(file, JSON.stringify({
    id: randomUUID(), unit_id: id, version: 1, name: 'Samling',
    scale: ['Not seen', 'Partly', 'Clearly'], counters: [{ key: 'open_q', label: 'Open question' }],
    thresholds: { green_pct: 70, yellow_pct: 40 },
  }));
  const tmpl = w.admin(['template-add', '--unit', id, '--file', file]).out;
  const question = 'Hvordan inviterer vi børnene ind i samtalen?';
  w.admin(['focus-add', '--unit', id, '--question', question, '--from', day(-30), '--to', day(90),
    '--template', tmpl, '--sign', 'Venter på svar']);
  U = { id, lene, per, pia, question, lead: session(w, 'leader', 'Lene Leder', { person: lene }) };
  return U;
}

test('a leader plans an observation and a peer rota, adjusted before it is published', async () => {
  const u = unit();
  const world = office.world;
  const v = await office.visitor({ javaScript: false });
  try {
    await signedIn(v, u.lead);
    const page = v.page;
    await v.goto('/plans');
    await v.follow(page.getByRole('link', { name: 'Planlæg en observation' }), { shot: 'plan-new' });
    // Per would observe himself: the form comes back with its message.
    await page.getByLabel('Læringsfokus').selectOption({ label: u.question });
    await page.getByLabel('Observatør').selectOption({ label: 'Per Pædagog' });
    await page.getByLabel('Observeret', { exact: true }).selectOption({ label: 'Per Pædagog' });
    await page.getByLabel('Dag', { exact: true }).fill(day(3));
    await v.follow(page.getByRole('button', { name: 'Planlæg observationen' }),
      { status: 400, shot: 'plan-new-errors' });
    assert.match(await mainText(page), /to forskellige personer/);
    assert.equal(sql(world, 'SELECT count(*) FROM plans'), '0');
    // As it should be: Lene observes Per in the Blue room, some day next week.
    await page.getByLabel('Observatør').selectOption({ label: 'Lene Leder' });
    await page.getByLabel('Stue', { exact: true }).selectOption({ label: 'Blå stue' });
    await page.getByLabel('Dag', { exact: true }).fill(day(7));
    await page.getByLabel('Hvornår').selectOption('week');
    await page.getByLabel('Aftalte rammer').fill('Vi kigger efter de åbne spørgsmål i samlingen.');
    await v.follow(page.getByRole('button', { name: 'Planlæg observationen' }), { shot: 'plan-show' });
    const text = await mainText(page);
    assert.match(text, /Observationen er planlagt/);
    assert.match(text, /Ugen fra/);
    assert.match(text, /afventer accept/);
    assert.match(text, /Vi kigger efter de åbne spørgsmål i samlingen\./);
    assert.equal(sql(world, `SELECT count(*) FROM plans WHERE observee_id = ${q(u.per)}` +
      " AND extract(isodow FROM day_from) = 1 AND day_to = day_from + 6"), '1');

    // The rota: four people, one observation each, over two weeks.
    await v.goto('/plans/rota', { shot: 'plan-rota' });
    await page.getByLabel('Læringsfokus').selectOption({ label: u.question });
    const [from, to] = fortnight(14);
    await page.getByLabel('Periodens første dag').fill(from);
    await page.getByLabel('Periodens sidste dag').fill(to);
    await page.getByLabel('Aftalte rammer').fill('Ti minutter i samlingen, feedback samme dag.');
    await v.follow(page.getByRole('button', { name: 'Foreslå en turnus' }), { shot: 'plan-rota-proposal' });
    assert.equal(await page.locator('table.rota tbody tr').count(), 4);
    assert.equal(sql(world, "SELECT count(*) FROM plans WHERE rota_id <> ''"), '0');
    // Everyone observes once and is observed once, in the proposal as shown.
    const observers = [], observed = [];
    for (let i = 0; i < 4; i++) {
      observers.push(await page.locator(`#f-o_${i} option:checked`).innerText());
      observed.push(await page.locator(`#f-e_${i} option:checked`).innerText());
    }
    assert.equal(new Set(observers).size, 4);
    assert.equal(new Set(observed).size, 4);
    observers.forEach((o, i) => assert.notEqual(o, observed[i]));
    // The leader leaves the first row out, and publishes.
    await page.getByLabel('Uge for observation 1').selectOption('skip');
    await v.follow(page.getByRole('button', { name: 'Offentliggør turnussen' }), { shot: 'plans' });
    assert.match(await mainText(page), /Turnussen er offentliggjort/);
    assert.equal(sql(world, "SELECT count(*) FROM plans WHERE rota_id <> ''" +
      " AND terms = 'Ti minutter i samlingen, feedback samme dag.'"), '3');
    assert.equal(sql(world, "SELECT count(*) FROM items WHERE entity = 'plan'"), '4');
    // The counts per focus: four planned, all four waiting for agreement.
    const row = await page.locator('table.plan-tally tbody tr').first().innerText();
    assert.match(row.replace(/\s+/g, ' '), /samtalen\? 4 4 0 0 0/);
  } finally {
    await v.close();
  }
});

test('the colleague observed agrees in the office, and no one else sees the plan', async () => {
  const u = unit();
  const world = office.world;
  const plan = sql(world, `SELECT id FROM plans WHERE rota_id = '' AND observee_id = ${q(u.per)}`);
  const perToken = session(world, 'peer', 'Per Pædagog', { person: u.per });
  const v = await office.visitor({ javaScript: true });
  try {
    await signedIn(v, perToken);
    const page = v.page;
    await v.goto('/plans');
    assert.match(await mainText(page), /Lene Leder/);
    await v.follow(page.locator(`a[href="/plans/${plan}"]`));
    await v.follow(page.getByRole('button', { name: 'Jeg siger ja' }), { shot: 'plan-agreed' });
    assert.match(await mainText(page), /Du har sagt ja/);
    assert.match(await mainText(page), /accepteret/);
    assert.notEqual(sql(world, `SELECT agreed_at FROM plans WHERE id = ${q(plan)}`), '0');
  } finally {
    await v.close();
  }
  // Pia is neither its observer nor the one observed.
  const piaToken = session(world, 'peer', 'Pia Pædagog', { person: u.pia });
  const w2 = await office.visitor({ javaScript: false });
  try {
    await signedIn(w2, piaToken);
    await w2.goto(`/plans/${plan}`, { status: 403 });
    assert.doesNotMatch(await mainText(w2.page), /Per Pædagog/);
  } finally {
    await w2.close();
  }
});

test('a leader cancels a plan, and an area leader reads the counts without a name', async () => {
  const u = unit();
  const world = office.world;
  const plan = sql(world, `SELECT id FROM plans WHERE rota_id <> '' ORDER BY day_from, id LIMIT 1`);
  const v = await office.visitor({ javaScript: true });
  try {
    await signedIn(v, u.lead);
    await v.goto(`/plans/${plan}`);
    await v.follow(v.page.getByRole('button', { name: 'Aflys planen' }));
    assert.match(await mainText(v.page), /Planen er aflyst/);
    assert.equal(sql(world, `SELECT status FROM plans WHERE id = ${q(plan)}`), 'cancelled');
  } finally {
    await v.close();
  }
  const area = session(world, 'area', 'Arne Område', { units: [u.id] });
  const a = await office.visitor({ javaScript: false });
  try {
    await signedIn(a, area);
    await a.goto('/plans', { shot: 'plans-area' });
    const text = await mainText(a.page);
    assert.match(text.replace(/\s+/g, ' '), /samtalen\? 3 2 0 0 1/);
    for (const name of ['Lene Leder', 'Per Pædagog', 'Pia Pædagog', 'Palle Pædagog'])
      assert.doesNotMatch(text, new RegExp(name));
    await a.goto('/area');
    assert.match(await mainText(a.page), /0 af 3 planlagte gennemført/);
    await a.goto('/plans/new', { status: 403 });
  } finally {
    await a.close();
  }
});

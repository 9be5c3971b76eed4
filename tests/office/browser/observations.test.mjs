// The observations pages in a real browser, on a unit filled with made-up
// observations pushed through the server's own push (blik-demo-fill, as the
// demo office is filled): a leader reads the list with JavaScript off,
// narrows it with the form, opens an observation and reads its timeline,
// numbers and texts; a filter the form does not offer comes back with its
// message; an area leader sees the list without observed people's names and
// is refused an observation's page; a peer sees only their own, at a
// tablet's width. axe-core checks every page, and each is photographed at
// laptop and tablet width.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from './lib/suite.mjs';

import { Office, TABLET } from './lib/office.mjs';

let office;
let unit;
const people = {};

before(async () => {
  office = await Office.start();
  fill(office.world);
});
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

// A unit as a daycare sets one up (rooms, a leader and peers, a template
// with counters, a timer, interval samples and context, a focus with three
// signs), then eight weeks of observations pushed as a tablet pushes them.
function fill(world) {
  unit = world.admin(['unit-add', '--name', 'Børnehuset Solsikken']).out;
  for (const r of ['Mariehønen', 'Græshoppen'])
    world.admin(['room-add', '--unit', unit, '--name', r]);
  for (const [name, role] of [['Lene Leder', 'leader'], ['Mads Pedersen', 'peer'],
    ['Sofie Jensen', 'peer'], ['Ahmed Karimi', 'peer']])
    people[name] = world.admin(['person-add', '--unit', unit, '--name', name, '--role', role]).out;
  const tmpl = randomUUID();
  const file = join(world.dir, 'samling.json');
  writeFileSync(file, JSON.stringify({
    id: tmpl, unit_id: unit, version: 1, name: 'Samling',
    scale: ['Ikke set', 'Delvist', 'Tydeligt'],
    counters: [{ key: 'open_q', label: 'Åbent spørgsmål' }, { key: 'closed_q', label: 'Lukket spørgsmål' },
      { key: 'child_init', label: 'Barnets initiativ' }],
    states: [{ key: 'waiting', label: 'Ventetid' }],
    interval: { minutes: 5, options: [{ key: 'all', label: 'Alle deltager' },
      { key: 'some', label: 'Nogle deltager' }, { key: 'few', label: 'Få deltager' }] },
    context: [{ key: 'children', label: 'Antal børn', type: 'int', min: 0, max: 60 },
      { key: 'adults', label: 'Antal voksne', type: 'int', min: 0, max: 20 }],
    thresholds: { green_pct: 70, yellow_pct: 40 },
  }));
  world.admin(['template-add', '--unit', unit, '--file', file]);
  const year = new Date().getFullYear();
  world.admin(['focus-add', '--unit', unit, '--question', 'Hvordan inviterer vi børnene ind i samtalen?',
    '--from', `${year - 1}-01-01`, '--to', `${year + 1}-12-31`, '--template', tmpl,
    '--sign', 'Børnene svarer i hele sætninger', '--sign', 'Den voksne venter på svar',
    '--sign', 'Børnene spørger hinanden', '--pillar', 'dialogue']);
  const exe = join(dirname(world.server), 'blik-demo-fill');
  if (!existsSync(exe))
    throw new Error(`${exe} is not built: cmake --build BUILD --target blik-demo-fill`);
  const r = spawnSync(exe, ['--db', world.conninfo, '--unit', unit, '--weeks', '8', '--per-week', '4',
    '--seed', '7'], { encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0)
    throw new Error(`blik-demo-fill failed: ${r.stderr}`);
}

// An account with a session made in the database, as the in-process tests
// make theirs (the cookie carries the token; the database its SHA-256).
function account(world, role, name, person, units = []) {
  const id = randomBytes(16).toString('hex');
  const token = randomBytes(32).toString('hex');
  const csrf = randomBytes(32).toString('hex');
  const hash = createHash('sha256').update(token).digest('hex');
  sql(world, `INSERT INTO accounts (id, login, person_id, role, name) VALUES (${q(id)}, ` +
    `${q(`${role}-${id.slice(0, 6)}`)}, ${person ? q(person) : 'NULL'}, ${q(role)}, ${q(name)}); ` +
    units.map((u) => `INSERT INTO account_units VALUES (${q(id)}, ${q(u)}); `).join('') +
    `INSERT INTO sessions (token_sha256, account_id, csrf) VALUES (${q(hash)}, ${q(id)}, ${q(csrf)})`);
  return token;
}

async function signedIn(v, token) {
  await v.context.addCookies([{
    name: '__Host-blik', value: token, url: office.world.url, secure: true, httpOnly: true,
    sameSite: 'Strict',
  }]);
}

const count = (world, where) => Number(sql(world, `SELECT count(*) FROM fact_obs WHERE ${where}`));

test('a leader narrows the list without script and reads one observation whole', async () => {
  const total = count(office.world, `unit_id = ${q(unit)}`);
  assert.ok(total > 20, `the unit was filled (${total} observations)`);
  const token = account(office.world, 'leader', 'Lene Leder', people['Lene Leder']);
  const v = await office.visitor({ javaScript: false });
  try {
    await signedIn(v, token);
    const page = v.page;
    await v.goto('/observations', { shot: 'observations-list' });
    assert.equal(await page.locator('h2.obs-count').innerText(), `${total} observationer`);
    assert.equal(await page.locator('table.obs-list tbody tr').count(), Math.min(total, 50));

    // Narrow by the form: finished, with feedback, observed by Sofie.
    await page.getByLabel('Status').selectOption('finished');
    await page.getByLabel('Feedback givet').selectOption('yes');
    await page.getByLabel('Observeret', { exact: true }).selectOption(people['Sofie Jensen']);
    await v.follow(page.getByRole('button', { name: 'Vis' }), { shot: 'observations-filtered' });
    const want = count(office.world, `unit_id = ${q(unit)} AND status = 'finished' AND feedback_given ` +
      `AND observee_id = ${q(people['Sofie Jensen'])}`);
    assert.ok(want > 0, 'the filters leave some');
    assert.equal(await page.locator('h2.obs-count').innerText(),
      want === 1 ? '1 observation' : `${want} observationer`);
    assert.match(page.url(), /status=finished/);
    const observees = await page.locator('table.obs-list td[data-label="Observeret"]').allInnerTexts();
    assert.ok(observees.every((t) => t === 'Sofie Jensen'), observees.join(', '));

    // One observation: its timeline with a title, a description and the
    // same marks as a table; rates, ratings in the scale's words, feedback.
    await v.follow(page.locator('table.obs-list tbody tr a').first(), { shot: 'observation' });
    const id = page.url().split('/').pop();
    assert.match(await page.locator('svg.obs-tl title').textContent(), /Observationens tidslinje/);
    assert.match(await page.locator('svg.obs-tl desc').textContent(), /Åbent spørgsmål: \d+ tryk/);
    const taps = Number(sql(office.world, `SELECT coalesce(sum(n), 0) FROM fact_obs_count ` +
      `WHERE observation_id = ${q(id)} AND kind = 'count'`));
    assert.equal(await page.locator('svg.obs-tl rect.tap').count(), taps,
      'a tick per tap that was not undone, as the server counted them');
    assert.ok(await page.locator('table.obs-tl-table').isVisible());
    const main = await page.locator('main').innerText();
    assert.match(main, /pr\. 10 min/);
    assert.match(main, /Ikke set|Delvist|Tydeligt/);
    assert.match(main, /Det, der virker/);
    assert.match(main, /Modtagne versioner/);

    // A filter the form does not offer: 400 with the message at its field.
    await v.goto('/observations?from=2026-13-01&status=done', { status: 400, shot: 'observations-refused' });
    assert.match(await page.locator('.errors').innerText(), /Skriv den første dag som en dato/);
    assert.match(await page.locator('.errors').innerText(), /Vælg kladde eller afsluttet/);
    assert.equal(await page.locator('table.obs-list').count(), 0);
  } finally {
    await v.close();
  }
});

test('an area leader lists without names and is refused the page', async () => {
  const token = account(office.world, 'area', 'Anne Område', null, [unit]);
  const v = await office.visitor();
  try {
    await signedIn(v, token);
    const page = v.page;
    await v.goto('/observations', { shot: 'observations-area' });
    const cells = await page.locator('table.obs-list td[data-label="Observeret"]').allInnerTexts();
    assert.ok(cells.length > 0 && cells.every((t) => t === 'skjult'), cells.slice(0, 3).join(', '));
    for (const name of ['Mads Pedersen', 'Sofie Jensen', 'Ahmed Karimi'])
      assert.equal(await page.locator(`td[data-label="Observeret"]:has-text("${name}")`).count(), 0);
    assert.equal(await page.locator('table.obs-list a').count(), 0, 'no link to a page they may not open');
    const id = sql(office.world, `SELECT observation_id FROM fact_obs WHERE unit_id = ${q(unit)} LIMIT 1`);
    await v.goto(`/observations/${id}`, { status: 403 });
    assert.match(await page.locator('main').innerText(), /observatøren, den observerede og enhedens ledere/);
  } finally {
    await v.close();
  }
});

test('a peer sees only their own, at a tablet\'s width without script', async () => {
  const me = people['Ahmed Karimi'];
  const mine = count(office.world, `${q(me)} IN (observer_id, observee_id)`);
  assert.ok(mine > 0, 'the peer took part in some');
  const token = account(office.world, 'peer', 'Ahmed Karimi', me);
  const v = await office.visitor({ javaScript: false, viewport: TABLET });
  try {
    await signedIn(v, token);
    await v.goto('/observations', { shot: 'observations-peer' });
    assert.equal(await v.page.locator('h2.obs-count').innerText(),
      mine === 1 ? '1 observation' : `${mine} observationer`);
    const other = sql(office.world, `SELECT observation_id FROM fact_obs WHERE unit_id = ${q(unit)} ` +
      `AND ${q(me)} NOT IN (observer_id, observee_id) LIMIT 1`);
    await v.goto(`/observations/${other}`, { status: 403 });
  } finally {
    await v.close();
  }
});

// Looking together in a real browser: observations with known ratings are
// pushed as a tablet pushes them (enrolment, then /v1/push over TLS); a unit
// leader opens the focus's progression from the focus page, drills from the
// red cell into the observations behind it and opens one, opens the team meeting
// view, agrees a next step there and marks one done, and prints the view to
// PDF, whose text is read back (pdftotext) for the picture, the questions and
// the step, without the navigation or any button. An area leader sees only
// their units in the area overview. axe-core on every page, the pages read
// with JavaScript off too, screenshots at laptop and tablet width and of the
// meeting view on a 1920×1080 screen.
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

// An account with a live session made in the database, as the other
// browser tests make theirs; units for an area leader.
function account(world, { role, name, person = null, units = [] }) {
  const id = randomBytes(16).toString('hex');
  const token = randomBytes(32).toString('hex');
  const hash = createHash('sha256').update(token).digest('hex');
  let s = `INSERT INTO accounts (id, login, person_id, role, name) VALUES (${q(id)}, ` +
    `${q(`${role}-${id.slice(0, 8)}`)}, ${person ? q(person) : 'NULL'}, ${q(role)}, ${q(name)}); ` +
    `INSERT INTO sessions (token_sha256, account_id, csrf) VALUES (${q(hash)}, ${q(id)}, ` +
    `${q(randomBytes(32).toString('hex'))});`;
  for (const u of units)
    s += `INSERT INTO account_units (account_id, unit_id) VALUES (${q(id)}, ${q(u)});`;
  sql(world, s);
  return token;
}

async function signedIn(v, token) {
  await v.context.addCookies([{
    name: '__Host-blik', value: token, url: office.world.url, secure: true, httpOnly: true,
    sameSite: 'Strict',
  }]);
}

// A unit with a leader, a peer, a template (three levels, one counter) and a
// focus with two signs; returns their ids and the signs'.
function unitWithFocus(world, name) {
  const unit = world.admin(['unit-add', '--name', name]).out;
  const leader = world.admin(['person-add', '--unit', unit, '--name', 'Lene Leder', '--role', 'leader']).out;
  const peer = world.admin(['person-add', '--unit', unit, '--name', 'Pelle Pædagog', '--role', 'peer']).out;
  const tmpl = randomUUID();
  const file = join(world.dir, `template-${unit}.json`);
  writeFileSync(file, JSON.stringify({
    id: tmpl, unit_id: unit, version: 1, name: 'Spørgsmål i samling',
    scale: ['ikke set', 'delvist', 'tydeligt'],
    counters: [{ key: 'open_q', label: 'Åbent spørgsmål' }],
    thresholds: { green_pct: 70, yellow_pct: 40 },
  }));
  world.admin(['template-add', '--unit', unit, '--file', file]);
  const year = new Date().getUTCFullYear();
  const focus = world.admin(['focus-add', '--unit', unit, '--question',
    'Hvordan stiller vi åbne spørgsmål i samlingen?', '--from', `${year - 1}-01-01`,
    '--to', `${year + 1}-12-31`, '--template', tmpl, '--sign', 'Børnene svarer i hele sætninger',
    '--sign', 'Den voksne venter på svaret', '--pillar', 'learning']).out;
  const signs = JSON.parse(sql(world, `SELECT data FROM items WHERE entity = 'focus' AND key = ${q(`${focus}/1`)}`)).signs.map((s) => s.id);
  return { unit, leader, peer, tmpl, focus, signs };
}

// A tablet of the unit, enrolled with a code as a real one is.
async function tablet(world, unit) {
  const code = world.admin(['enrol-code', '--unit', unit]).out.match(/[A-Z0-9]{5}-?[A-Z0-9]{5}/)[0];
  const r = await world.request('POST', '/v1/enrol', {
    headers: { 'content-type': 'application/json', 'user-agent': 'Blik/test' },
    body: JSON.stringify({ schema: 1, code, name: 'Stuen' }),
  });
  assert.equal(r.status, 200, r.body);
  const a = JSON.parse(r.body);
  return `Bearer ${a.device_id}.${a.device_secret}`;
}

// Pushes one finished observation of u with the given levels per sign, taps
// and feedback (a next step), started at ms.
async function observe(world, authz, u, { start, levels, taps = 0, nextStep = '' }) {
  const id = randomUUID();
  const end = start + 15 * 60000;
  const changes = [];
  const change = (entity, actor, data) => changes.push({ change_id: randomUUID(), actor_id: actor, base_version: 0, entity, data });
  change('observation', u.leader, {
    id, unit_id: u.unit, focus_id: u.focus, focus_version: 1, template_id: u.tmpl,
    template_version: 1, observer_id: u.leader, observee_id: u.peer, room_id: '',
    activity: 'Samling', context: {}, agreement: true, started_at: start, ended_at: end,
    status: 'finished', revision: 1, updated_at: end,
  });
  levels.forEach((level, i) => change('rating', u.leader, { observation_id: id, sign_id: u.signs[i], level, at: start + 1000 }));
  for (let i = 0; i < taps; i++)
    change('event', u.leader, { id: randomUUID(), observation_id: id, kind: 'count', key: 'open_q', target_id: '', at: start + 2000 + i * 1000 });
  if (nextStep)
    change('feedback', u.leader, { observation_id: id, author_id: u.leader, works: 'Der var ro.', wonderings: '', next_step: nextStep, given_at: end + 60000, updated_at: end + 60000 });
  const r = await world.request('POST', '/v1/push', {
    headers: { 'content-type': 'application/json', 'user-agent': 'Blik/test', authorization: authz },
    body: JSON.stringify({ schema: 1, changes }),
  });
  assert.equal(r.status, 200, r.body);
  for (const res of JSON.parse(r.body).results)
    assert.equal(res.status, 'stored', JSON.stringify(res));
}

// The page printed on A4 (the print stylesheet applied), as text read back
// from the PDF with its words joined whatever lines they were broken into.
async function printed(page, name) {
  const pdf = join(office.world.dir, `${name}.pdf`);
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, format: 'A4', printBackground: true });
  await page.emulateMedia({ media: 'screen' });
  const r = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
  if (r.error)
    throw new Error(`pdftotext could not run (Debian's poppler-utils; run bash .ci/deps): ${r.error.message}`);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/\s+/g, ' ');
}

// The 15th of the month k months before this one, at 10:00 UTC.
function monthsAgo(k) {
  const d = new Date();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - k, 15, 10, 0);
}
function monthRange(k) {
  const first = new Date(monthsAgo(k));
  const y = first.getUTCFullYear(), m = first.getUTCMonth();
  const last = new Date(Date.UTC(y, m + 1, 0));
  const iso = (d) => d.toISOString().slice(0, 10);
  return { from: iso(new Date(Date.UTC(y, m, 1))), to: iso(last) };
}

let U, V, leaderToken, areaToken;

test('observations pushed as a tablet pushes them', async () => {
  const w = office.world;
  U = unitWithFocus(w, 'Børnehuset Solsikken');
  V = unitWithFocus(w, 'Vuggestuen Mælkebøtten');
  const tu = await tablet(w, U.unit);
  const tv = await tablet(w, V.unit);
  // Two months ago the first sign was seen clearly (green); last month hardly
  // (red: 0, 0, 1 of 2 is 17 %); this month partly (yellow, 50 %).
  for (const lv of [[2, 1], [2, 2], [2, 1]])
    await observe(w, tu, U, { start: monthsAgo(2), levels: lv, taps: 4 });
  for (const [i, lv] of [[0, 1], [0, 1], [1, 1]].entries())
    await observe(w, tu, U, { start: monthsAgo(1) + i * 3600000, levels: lv, taps: 2, nextStep: i === 0 ? 'Vent fem sekunder på svaret.' : '' });
  for (let i = 0; i < 3; i++)
    await observe(w, tu, U, { start: monthsAgo(0) - 10 * 86400000 + i * 3600000, levels: [1, 2], taps: 3 });
  await observe(w, tv, V, { start: monthsAgo(1), levels: [2, 2], taps: 1 });
  leaderToken = account(w, { role: 'leader', name: 'Lene Leder', person: U.leader });
  areaToken = account(w, { role: 'area', name: 'Arne Område', units: [U.unit] });
});

test('a leader opens the progression, drills into the red cell and opens an observation', async () => {
  const v = await office.visitor();
  await signedIn(v, leaderToken);
  await v.goto(`/focuses/${U.focus}`);
  await v.follow(v.page.getByRole('link', { name: 'Progressionen over tid' }), { shot: 'progression' });
  const page = v.page;
  // Charts carry a title, a description and a table of the same numbers.
  assert.equal(await page.locator('svg[role="img"] > title').count(), 3);
  assert.equal(await page.locator('svg[role="img"] > desc').count(), 3);
  // The red cell says so with a mark and a word, and the ratings it rests on.
  const red = page.locator('table.figures td a:has(.rag-red)');
  assert.equal(await red.count(), 1);
  assert.match(await red.innerText(), /Rød\s+17 %/);
  assert.match(await red.locator('xpath=..').innerText(), /3 vurderinger/);
  const href = await red.getAttribute('href');
  const { from, to } = monthRange(1);
  assert.equal(href, `/observations?focus=${U.focus}&status=finished&unit=${U.unit}&from=${from}&to=${to}&sign=${U.signs[0]}`);
  // No name of an observed person on the page.
  const text = await page.locator('main').innerText();
  assert.doesNotMatch(text, /Pelle Pædagog/);
  // The red cell leads to the three observations behind it, and on to one.
  await v.follow(red, { shot: 'progression-drill' });
  assert.equal(new URL(page.url()).search, new URL(href, page.url()).search);
  assert.equal(await page.locator('h2.obs-count').innerText(), '3 observationer');
  const rows = page.locator('table.obs-list tbody tr');
  assert.equal(await rows.count(), 3);
  await v.follow(rows.first().locator('a[href^="/observations/"]'));
  assert.match(page.url(), /\/observations\/[0-9a-f-]{36}$/);
  await v.goto(`/focuses/${U.focus}/progression`);
  // Printed, the charts' words and numbers are there, the navigation and
  // the form are not.
  const paper = await printed(page, 'progression');
  for (const want of ['Andel pr. tegn', 'Børnene svarer i hele sætninger', 'Rød 17 %', 'Tællinger pr. 10 minutter'])
    assert.ok(paper.includes(want), `the printed progression lacks "${want}":\n${paper}`);
  for (const not of ['Log ud', 'Skabeloner', 'Vis pr.'])
    assert.ok(!paper.includes(not), `the printed progression holds "${not}"`);
  // By school term, through the form.
  await page.selectOption('#f-by', 'term');
  await v.follow(page.getByRole('button', { name: 'Vis' }), { shot: 'progression-term' });
  assert.match(await page.locator('table.figures thead').first().innerText(), /(Efterår|Forår) \d{4}/);
  await v.close();
});

test('the team meeting view: a step agreed and done, printed to PDF', async () => {
  const v = await office.visitor({ viewport: { width: 1920, height: 1080 } });
  await signedIn(v, leaderToken);
  await v.goto(`/focuses/${U.focus}/progression`);
  await v.follow(v.page.getByRole('link', { name: 'Visning til teammøde' }));
  const page = v.page;
  await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
  if (office.shots)
    await page.screenshot({ path: office.shotPath('meeting-1920x1080.png') });
  assert.equal(await page.locator('h1').innerText(), 'Hvordan stiller vi åbne spørgsmål i samlingen?');
  // A step refused empty, then agreed, then another agreed and marked done.
  await v.follow(page.getByRole('button', { name: 'Tilføj skridtet' }), { status: 400 });
  assert.match(await page.locator('.errors').innerText(), /Skriv det næste skridt/);
  await page.fill('#f-text', 'Vi venter fem sekunder efter hvert åbent spørgsmål');
  await v.follow(page.getByRole('button', { name: 'Tilføj skridtet' }));
  await page.fill('#f-text', 'Vi taler om svarene på næste møde');
  await v.follow(page.getByRole('button', { name: 'Tilføj skridtet' }));
  await v.follow(page.locator('#steps li', { hasText: 'Vi taler om svarene' }).getByRole('button', { name: /Markér som gjort/ }), { shot: 'meeting' });
  assert.match(await page.locator('#steps').innerText(), /Vi taler om svarene på næste møde \(gjort\)/);
  const shown = await page.locator('main').innerText();
  assert.match(shown, /Vent fem sekunder på svaret\./); // the feedback's next step, as text
  assert.doesNotMatch(shown, /Pelle Pædagog/);
  // Printed on A4: the picture, the questions and the steps; no navigation,
  // no buttons.
  const txt = await printed(page, 'meeting');
  for (const want of ['Hvordan stiller vi åbne spørgsmål i samlingen?', 'Billedet',
    'Børnene svarer i hele sætninger', 'Spørgsmål til dialogen', 'Hvad ser vi?',
    'Vi venter fem sekunder efter hvert åbent spørgsmål', 'Vent fem sekunder på svaret.'])
    assert.ok(txt.includes(want), `the PDF lacks "${want}":\n${txt}`);
  for (const not of ['Log ud', 'Skabeloner', 'Tilføj skridtet', 'Markér som gjort', 'Pelle Pædagog'])
    assert.ok(!txt.includes(not), `the PDF holds "${not}"`);
  await v.close();
});

test('an area leader sees only their units, and reads the pages without script', async () => {
  const v = await office.visitor({ javaScript: false });
  await signedIn(v, areaToken);
  await v.goto('/');
  await v.follow(v.page.getByRole('link', { name: 'Områdeoverblik' }), { shot: 'area' });
  const text = await v.page.locator('main').innerText();
  assert.match(text, /Børnehuset Solsikken/);
  assert.doesNotMatch(text, /Mælkebøtten/);
  assert.doesNotMatch(text, /Pelle Pædagog|Lene Leder/);
  await v.follow(v.page.getByRole('link', { name: 'Hvordan stiller vi åbne spørgsmål i samlingen?' }));
  assert.match(await v.page.locator('h1').innerText(), /^Progression over tid: /);
  await v.goto(`/focuses/${U.focus}/meeting`, { shot: 'meeting-area' });
  assert.doesNotMatch(await v.page.locator('main').innerText(), /Vent fem sekunder på svaret/);
  // Another unit's focus is refused.
  await v.goto(`/focuses/${V.focus}/progression`, { status: 403 });
  await v.close();
});

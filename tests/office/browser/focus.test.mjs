// The learning focus designer in a real browser, as a unit leader uses it
// with JavaScript off: the empty list leads to the form, three signs are
// added, one is moved down with the form's own buttons (nothing saved until
// Save), a refused form keeps what was typed, the focus is saved, read and
// changed. axe-core checks every page; screenshots at laptop and tablet
// width are taken of each step. Until the office has its own sign-in, the
// leader's session is made in the database.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from './lib/suite.mjs';

import { Office } from './lib/office.mjs';

let office;

// A date n days from today, as a date field takes it.
function day(n) {
  const d = new Date(Date.now() + n * 86400000);
  return d.toISOString().slice(0, 10);
}
before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

// SQL against the world's database (values are made here, never typed by
// anyone, and quoted anyway).
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

// A unit with a leader and a template, and a signed-in session for that
// leader made in the database as the in-process tests make theirs (the
// cookie carries the token; the database keeps its SHA-256).
function leaderOfNewUnit(world) {
  const unit = world.admin(['unit-add', '--name', 'Børnehuset Mælkebøtten']).out;
  const person = world.admin(['person-add', '--unit', unit, '--name', 'Lene Leder',
    '--role', 'leader']).out;
  const tmpl = randomUUID();
  const file = join(world.dir, 'template.json');
  writeFileSync(file, JSON.stringify({
    id: tmpl, unit_id: unit, version: 1, name: 'Spørgsmål i samling',
    scale: ['ikke set', 'delvist', 'tydeligt'],
    counters: [{ key: 'open_q', label: 'Åbent spørgsmål' }],
    thresholds: { green_pct: 70, yellow_pct: 40 },
  }));
  world.admin(['template-add', '--unit', unit, '--file', file]);
  const account = randomBytes(16).toString('hex');
  const token = randomBytes(32).toString('hex');
  const csrf = randomBytes(32).toString('hex');
  const hash = createHash('sha256').update(token).digest('hex');
  sql(world, `INSERT INTO accounts (id, login, person_id, role, name) VALUES (${q(account)}, ` +
    `${q(`lene-${account.slice(0, 6)}`)}, ${q(person)}, 'leader', 'Lene Leder'); ` +
    `INSERT INTO sessions (token_sha256, account_id, csrf) VALUES (${q(hash)}, ${q(account)}, ${q(csrf)})`);
  return { unit, tmpl, token };
}

async function signedIn(v, token) {
  await v.context.addCookies([{
    name: '__Host-blik', value: token, url: office.world.url, secure: true, httpOnly: true,
    sameSite: 'Strict',
  }]);
}

async function signTexts(page) {
  return page.locator('ol.signs input[name="sign_text"]').evaluateAll((els) => els.map((e) => e.value));
}

test('a leader designs a focus with three signs, reorders them without script, saves and changes it', async () => {
  const { unit, tmpl, token } = leaderOfNewUnit(office.world);
  const v = await office.visitor({ javaScript: false });
  try {
    await signedIn(v, token);
    const page = v.page;
    await v.goto(`/focuses?unit=${unit}`, { shot: 'focus-list-empty' });
    assert.match(await page.locator('main').innerText(), /Et læringsfokus er det, I har aftalt at kigge efter/);

    await v.follow(page.getByRole('link', { name: 'Lav et læringsfokus' }), { shot: 'focus-new' });
    await page.getByLabel('Undersøgelsesspørgsmål').fill('Hvordan inviterer vi børnene til at stille spørgsmål?');
    await page.getByLabel('Hvorfor').fill('Vi vil høre børnenes egne spørgsmål i samlingen.');
    await page.getByLabel('Søjle').selectOption('dialogue');
    await page.getByLabel('Første dag').fill(day(-30));
    await page.getByLabel('Sidste dag').fill(day(180));
    assert.equal(await page.getByLabel('Skabelon').inputValue(), tmpl, 'the only template is chosen');
    for (const s of ['Børnene stiller spørgsmål', 'Den voksne venter på svar', 'Børnene svarer hinanden']) {
      await page.getByLabel('Nyt tegn').fill(s);
      await v.follow(page.getByRole('button', { name: 'Tilføj tegnet' }));
    }
    assert.deepEqual(await signTexts(page),
      ['Børnene stiller spørgsmål', 'Den voksne venter på svar', 'Børnene svarer hinanden']);

    // Move the first sign down: the same form comes back reordered, with
    // what was typed kept and nothing saved.
    await v.follow(page.getByRole('button', { name: 'Flyt ned (Tegn 1)' }), { shot: 'focus-reordered' });
    assert.deepEqual(await signTexts(page),
      ['Den voksne venter på svar', 'Børnene stiller spørgsmål', 'Børnene svarer hinanden']);
    assert.equal(await page.getByLabel('Søjle').inputValue(), 'dialogue');
    assert.match(await page.locator('main').innerText(), /Rækkefølgen er ændret\. Intet er gemt/);
    assert.equal(sql(office.world, `SELECT count(*) FROM focuses WHERE unit_id = ${q(unit)}`), '0');

    // A refused form: the message names the field, the rest is kept.
    await page.getByLabel('Sidste dag').fill(day(-31));
    await v.follow(page.getByRole('button', { name: 'Gem', exact: true }), { status: 400, shot: 'focus-refused' });
    assert.match(await page.locator('.errors').innerText(), /Sidste dag ligger før første dag/);
    assert.equal(await page.getByLabel('Undersøgelsesspørgsmål').inputValue(),
      'Hvordan inviterer vi børnene til at stille spørgsmål?');
    assert.equal((await signTexts(page))[0], 'Den voksne venter på svar');

    await page.getByLabel('Sidste dag').fill(day(180));
    await v.follow(page.getByRole('button', { name: 'Gem', exact: true }), { shot: 'focus-show' });
    assert.match(page.url(), /\/focuses\/[0-9a-f-]{36}\?done=focus-added$/);
    const main = await page.locator('main').innerText();
    assert.match(main, /Læringsfokuset er gemt/);
    assert.match(main, /Reflekterende dialog/);
    assert.match(main, /I gang/);
    assert.deepEqual(await page.locator('ol.signs-read li').allInnerTexts(),
      ['Den voksne venter på svar', 'Børnene stiller spørgsmål', 'Børnene svarer hinanden']);

    // Change it: no tablet has it and nothing rests on it, so in place.
    await v.follow(page.getByRole('link', { name: 'Ret fokuset' }), { shot: 'focus-edit' });
    assert.match(await page.locator('main').innerText(), /Ingen observationer hviler på version 1 endnu/);
    await page.getByLabel('Tegn 3', { exact: true }).fill('Børnene svarer hinanden uden at række hånden op');
    await v.follow(page.getByRole('button', { name: 'Gem', exact: true }));
    assert.match(page.url(), /\?done=focus-in-place$/);
    assert.match(await page.locator('ol.signs-read').innerText(), /uden at række hånden op/);

    await v.follow(page.getByRole('link', { name: 'Alle enhedens læringsfokus' }), { shot: 'focus-list' });
    const row = await page.locator('tbody tr').first().innerText();
    assert.match(row, /Hvordan inviterer vi børnene/);
    assert.match(row, /0 observationer/);
  } catch (e) {
    await v.context.close(); // the first failure is the one to read
    throw e;
  }
  await v.close();
});

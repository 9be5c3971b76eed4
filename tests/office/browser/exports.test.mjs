// The exports page in a real browser: a unit's leader reads what the two
// files hold (JavaScript off and on), chooses a period and the Danish form
// and downloads each file with the form's own buttons; the files come as
// downloads with a Danish name, begin with the UTF-8 mark and the header
// row. An area leader reads the explanation without a form and is refused
// the file. axe-core checks every page; screenshots at laptop and tablet
// width. The leader's session is made in the database, as in focus.test.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
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

// Clicks a button that answers with a file; resolves to its name and bytes.
async function download(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

test('a leader reads what the exports hold and downloads both files in the Danish form', async () => {
  const world = office.world;
  const unit = world.admin(['unit-add', '--name', 'Børnehuset Solsikken']).out;
  const person = world.admin(['person-add', '--unit', unit, '--name', 'Lene Leder',
    '--role', 'leader']).out;
  const token = session(world, 'leader', 'Lene Leder', { person });
  for (const javaScript of [false, true]) {
    const v = await office.visitor({ javaScript });
    try {
      await signedIn(v, token);
      const page = v.page;
      await v.goto('/exports', { shot: javaScript ? null : 'exports' });
      const main = await page.locator('main').innerText();
      assert.match(main, /Én række pr\. observation/);
      assert.match(main, /Én række pr\. hændelse eller note/);
      assert.match(main, /apostrof foran/);
      await page.getByLabel('Fra').fill('2026-09-01');
      await page.getByLabel('Til').fill('2026-09-30');
      assert.equal(await page.getByLabel('Filens form').inputValue(), 'da');
      const wide = await download(page, page.getByRole('button', { name: 'Hent én række pr. observation' }));
      assert.equal(wide.name, 'blik-observationer-boernehuset-solsikken-2026-09-01-2026-09-30.csv');
      assert.deepEqual([...wide.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      assert.match(wide.bytes.toString('utf8'), /^\ufeffobservation_id;status;started_at;/);
      const long = await download(page, page.getByRole('button', { name: 'Hent én række pr. hændelse eller note' }));
      assert.equal(long.name, 'blik-haendelser-boernehuset-solsikken-2026-09-01-2026-09-30.csv');
      assert.equal(long.bytes.toString('utf8'),
        '\ufeffobservation_id;at;seconds_from_start;kind;key;label;undone;note;sign\r\n');
      await page.getByLabel('Filens form').selectOption('intl');
      const intl = await download(page, page.getByRole('button', { name: 'Hent én række pr. observation' }));
      assert.match(intl.bytes.toString('utf8'), /^observation_id,status,started_at,/);
    } finally {
      await v.close();
    }
  }
  assert.equal(sql(world, `SELECT count(*) FROM audit_log WHERE unit_id = ${q(unit)}` +
    " AND action IN ('export.observations', 'export.events')"), '6');
});

test('an area leader reads why only leaders export, and is refused the file', async () => {
  const world = office.world;
  const unit = world.admin(['unit-add', '--name', 'Mælkebøtten']).out;
  const token = session(world, 'area', 'Arne Område', { units: [unit] });
  const v = await office.visitor({ javaScript: false });
  try {
    await signedIn(v, token);
    await v.goto('/exports', { shot: 'exports-area' });
    assert.match(await v.page.locator('main').innerText(), /Kun enhedens ledere kan eksportere/);
    assert.equal(await v.page.locator('form[action="/exports/observations.csv"]').count(), 0);
    await v.goto(`/exports/observations.csv?unit=${unit}`, { status: 403 });
  } finally {
    await v.close();
  }
});

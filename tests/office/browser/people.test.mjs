// A unit leader runs their people in a real browser: the list, adding a
// person (a refused form first), the search, renaming, setting a tablet PIN,
// deactivating and the erasure's confirmation, with JavaScript on and off;
// axe-core checks every page, and the laptop and tablet screenshots are
// taken on the way. What the pages change is read back from the database,
// as the tablets will receive it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { after, before, test } from './lib/suite.mjs';

import { Office, TABLET } from './lib/office.mjs';

let office, unit, leader, cookie;

// One SQL statement on the world's database; its rows as text.
function sql(world, statement, ...params) {
  const vars = params.flatMap((p, i) => ['-v', `p${i + 1}=${p}`]);
  const r = spawnSync('psql', [world.conninfo, '-X', '-At', '-v', 'ON_ERROR_STOP=1', ...vars],
    { input: statement, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

// A leader's account with a live session, made in the database: the
// session's token goes into the browser's cookie, its hash into the table,
// as the sign-in does.
function leaderSession(world, person) {
  const id = randomBytes(16).toString('hex');
  const token = randomBytes(32).toString('hex');
  const csrf = randomBytes(32).toString('hex');
  const hash = createHash('sha256').update(token).digest('hex');
  sql(world, `INSERT INTO accounts (id, login, person_id, role, name)
    VALUES (:'p1', :'p2', :'p3', 'leader', 'Lis Leder');
    INSERT INTO sessions (token_sha256, account_id, csrf) VALUES (:'p4', :'p1', :'p5');`,
  id, `lis-${id.slice(0, 6)}`, person, hash, csrf);
  return token;
}

async function signedIn(opts) {
  const v = await office.visitor(opts);
  await v.context.addCookies([{ name: '__Host-blik', value: cookie, url: office.world.url,
    secure: true, httpOnly: true, sameSite: 'Strict' }]);
  return v;
}

// The published record of a person, as tablets pull it.
function published(id) {
  return JSON.parse(sql(office.world, `SELECT data FROM items WHERE entity = 'person' AND key = :'p1'`, id));
}

before(async () => {
  office = await Office.start();
  const w = office.world;
  unit = w.admin(['unit-add', '--name', 'Børnehuset Mælkebøtten']).out;
  w.admin(['room-add', '--unit', unit, '--name', 'Blå stue']);
  w.admin(['room-add', '--unit', unit, '--name', 'Rød stue']);
  leader = w.admin(['person-add', '--unit', unit, '--name', 'Lis Leder', '--role', 'leader']).out;
  cookie = leaderSession(w, leader);
});
after(async () => { await office?.stop(); });

test('a leader adds a person, finds them, renames them, sets their PIN and deactivates them', async () => {
  const v = await signedIn();
  const page = v.page;
  await v.goto('/people', { shot: 'people-list' });
  assert.match(await page.locator('main').innerText(), /Lis Leder/);

  // Adding: a form refused with the field named, then sent right.
  await v.follow(page.getByRole('link', { name: 'Tilføj en person' }), { shot: 'people-new' });
  await page.locator('#f-name').fill('   ');
  await v.follow(page.getByRole('button', { name: 'Tilføj personen' }), { status: 400, shot: 'people-new-refused' });
  assert.match(await page.locator('.errors').innerText(), /Skriv personens navn\./);
  assert.equal(await page.locator('#f-name').getAttribute('aria-invalid'), 'true');
  await page.locator('#f-name').fill('Bodil Ørsted');
  await page.locator('#f-role').selectOption('peer');
  await page.locator('#f-room').selectOption({ label: 'Rød stue' });
  await v.follow(page.getByRole('button', { name: 'Tilføj personen' }), { shot: 'person' });
  assert.match(await page.locator('.flash').innerText(), /Personen er tilføjet/);
  const id = new URL(page.url()).pathname.split('/')[2];
  assert.equal(published(id).name, 'Bodil Ørsted');
  assert.equal(sql(office.world, `SELECT r.name FROM people p JOIN rooms r ON r.id = p.room_id
    WHERE p.id = :'p1'`, id), 'Rød stue');

  // The search, case-blind in Danish letters.
  await v.goto('/people');
  await page.locator('#f-q').fill('ØRST');
  await v.follow(page.getByRole('button', { name: 'Søg' }), { shot: 'people-search' });
  const rows = await page.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, 1);
  assert.match(rows[0], /Bodil Ørsted/);

  // Rename, PIN, deactivate: each a form on the person's page.
  await v.follow(page.getByRole('link', { name: 'Bodil Ørsted' }));
  await page.locator('#f-name').fill('Bodil Ørsted Hansen');
  await v.follow(page.getByRole('button', { name: 'Omdøb' }));
  assert.equal(await page.locator('h1').innerText(), 'Bodil Ørsted Hansen');
  assert.equal(published(id).name, 'Bodil Ørsted Hansen');

  await page.locator('#f-pin').fill('2468');
  await page.locator('#f-pin2').fill('2468');
  await v.follow(page.getByRole('button', { name: 'Sæt pinkoden' }), { shot: 'person-pin-saved' });
  assert.match(await page.locator('.flash').innerText(), /næste synkronisering/);
  // The PIN is nowhere in the page; ids are hex, and one may hold the same
  // digits inside it (a unit id once did), so only the digits on their own count.
  assert.doesNotMatch(await page.content(), /(?<![0-9a-f])2468(?![0-9a-f])/);
  assert.match(published(id).pin_verifier, /^\$argon2id\$/);

  await v.follow(page.getByRole('button', { name: 'Deaktivér' }), { shot: 'person-deactivated' });
  assert.equal(published(id).active, false);
  assert.ok(await page.getByRole('button', { name: 'Aktivér igen' }).isVisible());

  // The erasure asks first, and names what goes.
  await v.follow(page.getByRole('link', { name: /Slet personen/ }), { shot: 'person-erase' });
  assert.match(await page.locator('main').innerText(), /0 observationer, som personen har lavet/);
  assert.ok(await page.locator('#f-confirm').isVisible());
  await v.close();
});

test('with JavaScript off the pages read and the forms post, a refused PIN included', async () => {
  const v = await signedIn({ javaScript: false, viewport: TABLET });
  const page = v.page;
  await v.goto('/people?q=bodil');
  assert.equal(await page.locator('tbody tr').count(), 1);
  await v.follow(page.getByRole('link', { name: 'Bodil Ørsted Hansen' }));
  const id = new URL(page.url()).pathname.split('/')[2];

  await page.locator('#f-pin').fill('1357');
  await page.locator('#f-pin2').fill('1375');
  await v.follow(page.getByRole('button', { name: 'Skift pinkoden' }), { status: 400, shot: 'person-pin-refused' });
  assert.match(await page.locator('.errors').innerText(), /De to pinkoder er ikke ens/);
  assert.equal(await page.locator('#f-pin').inputValue(), '');
  const verifier = published(id).pin_verifier;

  await v.follow(page.getByRole('button', { name: 'Aktivér igen' }));
  assert.equal(published(id).active, true);
  assert.equal(published(id).pin_verifier, verifier, 'the refused PIN changed nothing');
  await page.locator('#f-name').fill('Bodil Hansen');
  await v.follow(page.getByRole('button', { name: 'Omdøb' }));
  assert.equal(published(id).name, 'Bodil Hansen');
  await v.goto('/people/new');
  await page.locator('#f-name').fill('Carl Jensen');
  await page.locator('#f-role').selectOption('leader');
  await v.follow(page.getByRole('button', { name: 'Tilføj personen' }));
  const carl = new URL(page.url()).pathname.split('/')[2];
  assert.equal(published(carl).name, 'Carl Jensen');
  assert.equal(published(carl).role, 'leader');
  await v.close();
});

// The whole path in a real browser: a new administrator, whose
// account the command line made (the first account of a server has no one
// to invite it), signs in to an empty server and sets up a unit from
// nothing — rooms, a leader with a tablet PIN, a template, a learning focus
// with its signs, an enrolment code — and a new tablet enrols with that code,
// syncs, and shows the new focus on its start screen. Then the leader of
// another unit, signed in the same way, is refused everywhere in the first
// unit, and nothing they try changes it. axe-core checks every page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from './lib/suite.mjs';

import { Office, TABLET, tabletShowsFocus } from './lib/office.mjs';

let office;
const password = 'en lang sætning om Mælkebøtten';

// One SQL value from the world's database, as text.
function sql(world, statement, ...params) {
  const vars = params.flatMap((p, i) => ['-v', `p${i + 1}=${p}`]);
  const r = spawnSync('psql', [world.conninfo, '-X', '-At', '-v', 'ON_ERROR_STOP=1', ...vars],
    { input: statement, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

// The date n days from today, as a date field takes it.
function day(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

// Signs in through the sign-in page, landing on the overview.
async function signIn(v, login, pw) {
  const page = v.page;
  await v.goto('/', { shot: login === 'ada' ? 'walk-sign-in' : undefined });
  assert.match(page.url(), /\/sign-in/);
  await page.getByLabel('Brugernavn').fill(login);
  await page.getByLabel('Adgangskode').fill(pw);
  await v.follow(page.getByRole('button', { name: 'Log ind' }));
}

before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

test('a new administrator goes from an empty server to a tablet showing the new focus', async () => {
  const w = office.world;
  w.admin(['account-add', '--login', 'ada', '--role', 'admin', '--name', 'Ada Andersen']);
  w.admin(['account-password', '--login', 'ada'], { input: `${password}\n` });

  const v = await office.visitor();
  const page = v.page;
  await signIn(v, 'ada', password);
  assert.match(await page.locator('main').innerText(), /Der er ingen enheder endnu/);
  await office.shot(page, 'walk-empty');

  // The unit, from the overview's first step.
  await v.follow(page.getByRole('link', { name: 'Tilføj en enhed' }).first());
  await page.getByLabel('Navn').fill('Børnehuset Mælkebøtten');
  await page.getByLabel('Opbevaring i dage').fill('365');
  await v.follow(page.getByRole('button', { name: 'Tilføj enheden' }));
  const unit = page.url().split('/').pop().split('?')[0];
  for (const room of ['Blå stue', 'Rød stue']) {
    await page.getByLabel('Stuens navn', { exact: true }).fill(room);
    await v.follow(page.getByRole('button', { name: 'Tilføj stuen' }));
  }
  await office.shot(page, 'walk-unit');

  // A leader with a tablet PIN.
  await v.goto(`/people?unit=${unit}`);
  await v.follow(page.getByRole('link', { name: 'Tilføj en person' }));
  await page.locator('#f-name').fill('Mette Østergaard');
  await page.locator('#f-role').selectOption('leader');
  await page.locator('#f-room').selectOption({ label: 'Blå stue' });
  await v.follow(page.getByRole('button', { name: 'Tilføj personen' }));
  await page.locator('#f-pin').fill('2468');
  await page.locator('#f-pin2').fill('2468');
  await v.follow(page.getByRole('button', { name: 'Sæt pinkoden' }));
  await office.shot(page, 'walk-person');

  // A template with a scale, a counter and a timer.
  await v.goto(`/templates?unit=${unit}`);
  await v.follow(page.getByRole('link', { name: 'Ny skabelon' }));
  const button = (name) => page.getByRole('button', { name, exact: true }).first();
  const field = (label) => page.getByLabel(label, { exact: true });
  await field('Navn').fill('Samling');
  await v.follow(button('Tilføj en tæller'));
  await field('Tæller 1').fill('Åbent spørgsmål');
  await v.follow(button('Tilføj en tidtager'));
  await field('Tidtager 1').fill('Ventetid');
  await v.follow(button('Gem'));
  await office.shot(page, 'walk-template');

  // The learning focus, with three signs, on that template.
  const question = 'Hvordan inviterer vi børnene til at stille spørgsmål?';
  await v.goto(`/focuses?unit=${unit}`);
  await v.follow(page.getByRole('link', { name: 'Lav et læringsfokus' }).first());
  await page.getByLabel('Undersøgelsesspørgsmål').fill(question);
  await page.getByLabel('Hvorfor').fill('Vi vil høre børnenes egne spørgsmål i samlingen.');
  await page.getByLabel('Første dag').fill(day(-30));
  await page.getByLabel('Sidste dag').fill(day(180));
  for (const sign of ['Den voksne venter på svar', 'Børnene stiller spørgsmål',
    'Børnene svarer hinanden']) {
    await page.getByLabel('Nyt tegn').fill(sign);
    await v.follow(page.getByRole('button', { name: 'Tilføj tegnet' }));
  }
  await v.follow(page.getByRole('button', { name: 'Gem', exact: true }));
  await office.shot(page, 'walk-focus');

  // The overview now shows every step but the tablet done.
  await v.goto('/', { shot: 'walk-overview' });
  const steps = await page.locator('ol.steps').innerText();
  assert.match(steps, /2 stuer · klar/);
  assert.match(steps, /1 person kan logge ind på en tablet · klar/);
  assert.match(steps, /0 tabletter tilmeldt · mangler/);

  // An enrolment code, and a new tablet enrolling with it.
  await v.goto(`/tablets?unit=${unit}`);
  await v.follow(page.getByRole('button', { name: 'Lav en tilmeldingskode' }), { shot: 'walk-code' });
  const code = (await page.locator('.code').innerText()).trim();
  await tabletShowsFocus(w, {
    code, name: 'Stue 3 - gul', person: 'Mette Østergaard', pin: '2468', focus: question,
    shot: office.shotPath('walk-tablet-start.png'),
  });
  await v.goto(`/tablets?unit=${unit}`, { shot: 'walk-tablets' });
  assert.match(await page.locator('main').innerText(), /Stue 3 - gul/);
  await v.goto('/');
  assert.match(await page.locator('ol.steps').innerText(), /1 tablet tilmeldt · klar/);

  // Mette is invited to the office from her page; on the link she chooses
  // her password and lands signed in, in her unit.
  const mette = sql(w, `SELECT id FROM people WHERE name = 'Mette Østergaard'`);
  await v.goto(`/people/${mette}`);
  await v.follow(page.getByRole('link', { name: 'Invitér personen til kontoret' }));
  await v.follow(page.getByRole('button', { name: 'Lav invitationslink' }).first(),
    { shot: 'walk-invite-link' });
  const link = (await page.locator('.invite-link code').innerText()).trim();
  await v.goto('/accounts', { shot: 'walk-accounts' });
  assert.match(await page.locator('main').innerText(), /Mette Østergaard/);
  await v.close();
  const m = await office.visitor({ viewport: TABLET });
  await m.goto(link.slice(link.indexOf('/invite/')), { shot: 'walk-invite' });
  await m.page.getByLabel('Ny adgangskode').fill('Mettes egen lange adgangskode');
  await m.page.getByLabel('Den samme adgangskode igen').fill('Mettes egen lange adgangskode');
  await m.follow(m.page.getByRole('button', { name: 'Gem adgangskode og log ind' }));
  await m.goto('/', { shot: 'walk-leader-overview' });
  assert.match(await m.page.locator('main').innerText(), /Børnehuset Mælkebøtten/);
  await m.close();

  // The leader of another unit: refused throughout the first unit.
  const other = w.admin(['unit-add', '--name', 'Skovbørnehaven']).out;
  const lis = w.admin(['person-add', '--unit', other, '--name', 'Lis Leder', '--role', 'leader']).out;
  w.admin(['invite', '--person', lis, '--login', 'lis']);
  w.admin(['account-password', '--login', 'lis'], { input: `${password}\n` });
  const before = sql(w, `SELECT md5(string_agg(t, ',' ORDER BY t)) FROM (
    SELECT row(u.*)::text t FROM units u UNION ALL SELECT row(r.*)::text FROM rooms r
    UNION ALL SELECT row(p.*)::text FROM people p UNION ALL SELECT row(i.*)::text FROM items i
    UNION ALL SELECT row(d.*)::text FROM devices d) x`);
  const l = await office.visitor({ viewport: TABLET });
  await signIn(l, 'lis', password);
  const focus = sql(w, `SELECT DISTINCT id FROM focuses WHERE unit_id = :'p1'`, unit);
  const tmpl = sql(w, `SELECT DISTINCT id FROM templates WHERE unit_id = :'p1'`, unit);
  for (const path of [`/units/${unit}`, `/people?unit=${unit}`, `/people/${mette}`,
    `/templates?unit=${unit}`, `/templates/${tmpl}`, `/templates/${tmpl}/edit`,
    `/focuses?unit=${unit}`, `/focuses/${focus}`, `/focuses/${focus}/edit`,
    `/tablets?unit=${unit}`])
    await l.goto(path, { status: 403, shot: path === `/units/${unit}` ? 'walk-refused' : undefined });
  // Forms posted with the leader's own valid token, at the first unit's
  // addresses: refused, and nothing changed.
  await l.goto('/');
  const csrf = await l.page.locator('input[name=csrf]').first().getAttribute('value');
  const session = (await l.context.cookies()).find((k) => k.name === '__Host-blik');
  assert.ok(session, 'the sign-in set the session cookie');
  for (const [path, form] of [[`/units/${unit}/rooms`, { room: 'Indbrud' }],
    [`/people/${mette}/rename`, { name: 'Ændret' }], [`/people/${mette}/pin`, { pin: '1111', pin2: '1111' }],
    [`/units/${unit}/enrol-code`, { ttl: '60' }], [`/focuses/${focus}/retire`, {}]]) {
    const r = await w.request('POST', path, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: `__Host-blik=${session.value}` },
      body: new URLSearchParams({ csrf, ...form }).toString(),
    });
    assert.equal(r.status, 403, `${path} answered ${r.status}`);
  }
  const afterwards = sql(w, `SELECT md5(string_agg(t, ',' ORDER BY t)) FROM (
    SELECT row(u.*)::text t FROM units u UNION ALL SELECT row(r.*)::text FROM rooms r
    UNION ALL SELECT row(p.*)::text FROM people p UNION ALL SELECT row(i.*)::text FROM items i
    UNION ALL SELECT row(d.*)::text FROM devices d) x`);
  assert.equal(afterwards, before);
  await l.close();
});

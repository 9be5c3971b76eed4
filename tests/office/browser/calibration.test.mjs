// Calibration end to end: two headless tablets (the whole app on the real sync
// engine) observe one session as a pair, one showing the pair code and the
// other typing it, rate the focus's four signs and count open questions, then
// sync through the real server; the unit's leader opens /calibration in a
// real browser and reads the agreement worked out by hand below, with
// JavaScript on and off, in Danish and English, checked by axe, with
// screenshots at laptop and tablet width. The observed colleague is named
// nowhere on the page, and a peer is refused it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from './lib/suite.mjs';

import { Office, TABLET, tabletObservesPair } from './lib/office.mjs';

let office;
const password = 'to der ser det samme i stuen';

before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

function day(n) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

async function signIn(v, login) {
  const page = v.page;
  await v.goto('/');
  assert.match(page.url(), /\/sign-in/);
  await page.getByLabel('Brugernavn').fill(login);
  await page.getByLabel('Adgangskode').fill(password);
  await v.follow(page.getByRole('button', { name: 'Log ind' }));
}

// The text of main, with the no-break spaces of "75 %" as plain spaces.
async function mainText(page) {
  return (await page.locator('main').innerText()).replace(/\u00a0/g, ' ');
}

test('two tablets observe one session as a pair, and the office shows their agreement', async () => {
  const w = office.world;
  const unit = w.admin(['unit-add', '--name', 'Børnehuset Mælkebøtten']).out;
  w.admin(['room-add', '--unit', unit, '--name', 'Blå stue']);
  const lea = w.admin(['person-add', '--unit', unit, '--name', 'Lea Leder', '--role', 'leader']).out;
  const pia = w.admin(['person-add', '--unit', unit, '--name', 'Pia Pædagog', '--role', 'peer']).out;
  w.admin(['person-add', '--unit', unit, '--name', 'Ole Observeret', '--role', 'peer']);
  w.admin(['pin-set', '--person', lea], { input: '2580\n' });
  w.admin(['pin-set', '--person', pia], { input: '1357\n' });
  const tmplFile = join(w.dir, 'calib-template.json');
  writeFileSync(tmplFile, JSON.stringify({
    id: randomUUID(), unit_id: unit, version: 1, name: 'Samling',
    scale: ['Not seen', 'Partly', 'Clearly'], counters: [{ key: 'open_q', label: 'Open question' }],
    thresholds: { green_pct: 70, yellow_pct: 40 },
  }));
  const tmpl = w.admin(['template-add', '--unit', unit, '--file', tmplFile]).out;
  const question = 'Ser vi det samme, når vi er to?';
  w.admin(['focus-add', '--unit', unit, '--question', question, '--from', day(-30), '--to', day(30),
    '--template', tmpl, '--sign', 'Venter på svar', '--sign', 'Stiller åbne spørgsmål',
    '--sign', 'Sætter ord på følelser', '--sign', 'Følger barnets spor']);
  for (const [person, login] of [[lea, 'lea'], [pia, 'pia']]) {
    w.admin(['invite', '--person', person, '--login', login]);
    w.admin(['account-password', '--login', login], { input: `${password}\n` });
  }

  // Lea's tablet makes the code; Pia's types it. The levels, by hand:
  //   Lea: Clearly Partly Not seen Clearly   (2 1 0 2)
  //   Pia: Clearly Partly Partly   Clearly   (2 1 1 2)
  // Same level on 3 of 4 signs: 75 %. Lea's levels 0, 1, 2, 2; Pia's 1, 1,
  // 2, 2. pe = (1*0 + 1*2 + 2*2) / 16 = 6/16, po = 12/16, kappa =
  // (12/16 - 6/16) / (10/16) = 0.60. Open questions: Lea 5 taps with one
  // undone = 4, Pia 3: a difference of +1.
  const code = await tabletObservesPair(w, {
    code: w.admin(['enrol-code', '--unit', unit]).out, name: 'Stue 1', person: 'Lea Leder',
    pin: '2580', focus: question, pair: 'show', observee: 'Ole Observeret', room: 'Blå stue',
    levels: ['Clearly', 'Partly', 'Not seen', 'Clearly'], taps: 5, undo: 1,
    shot: office.shotPath('calibration-tablet-first-1280x800.png'),
  });
  assert.match(code, /^[ACEFHJKMNPRTWXY34679]{6}$/, 'a code without look-alikes');
  const again = await tabletObservesPair(w, {
    code: w.admin(['enrol-code', '--unit', unit]).out, name: 'Stue 2', person: 'Pia Pædagog',
    pin: '1357', focus: question, pair: `${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`,
    observee: 'Ole Observeret', room: 'Blå stue', levels: ['Clearly', 'Partly', 'Partly', 'Clearly'],
    taps: 3, shot: office.shotPath('calibration-tablet-second-1280x800.png'),
  });
  assert.equal(again, code, 'the second tablet carries the code it was told');

  const month = new Date().toLocaleString('sv-SE', { timeZone: 'Europe/Copenhagen' }).slice(0, 7);
  const v = await office.visitor();
  await signIn(v, 'lea');
  await v.goto('/calibration', { shot: 'calibration' });
  let text = await mainText(v.page);
  assert.match(text, /Lea Leder og Pia Pædagog/);
  assert.match(text, /Ser vi det samme, når vi er to\?/);
  assert.match(text, /Enighed i procent: 75 % · Kappa: 0,60 · bygger på 4 tegn vurderet af begge/);
  const signs = v.page.locator('.calib-pair tbody tr');
  assert.match(await signs.nth(2).innerText(), /Sætter ord på følelser\s+Not seen\s+Partly\s+nej, forskellige niveauer/);
  const counts = v.page.locator('.calib-pair table').nth(1);
  assert.match(await counts.innerText(), /Open question\s+4\s+3\s+\+1/);
  const months = v.page.locator('table', { hasText: 'Enighed og kappa pr. måned' });
  assert.match((await months.innerText()).replace(/\u00a0/g, ' '),
    new RegExp(`${month}\\s+1\\s+4\\s+75 %\\s+0,60`));
  assert.equal(await v.page.locator('main svg').count(), 1, 'the months as a chart');
  assert.doesNotMatch(text, /Ole Observeret/, 'the observed colleague is not named');
  // In English, with the focus chosen in the form.
  await v.goto('/calibration?lang=en');
  await v.page.getByLabel('Learning focus').selectOption({ label: question });
  await v.follow(v.page.getByRole('button', { name: 'Show' }), { shot: 'calibration-en' });
  text = await mainText(v.page);
  assert.match(text, /Percent agreement: 75 % · Kappa: 0\.60 · rests on 4 signs rated by both/);
  assert.match(v.page.url(), /focus=/);
  await v.goto('/calibration?lang=da');
  await v.close();

  // With JavaScript off, at a tablet's width: the same figures.
  const n = await office.visitor({ javaScript: false, viewport: TABLET });
  await signIn(n, 'lea');
  await n.goto('/calibration', { shot: 'calibration-nojs' });
  assert.match(await mainText(n.page), /Enighed i procent: 75 % · Kappa: 0,60/);
  await n.close();

  // A peer is refused it, and is not offered it.
  const p = await office.visitor();
  await signIn(p, 'pia');
  assert.equal(await p.page.locator('nav a[href="/calibration"]').count(), 0);
  await p.goto('/calibration', { status: 403 });
  await p.close();
});

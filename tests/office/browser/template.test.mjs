// The template designer in a real browser with JavaScript off: a unit leader
// designs a template with a scale, two counters, a timer, a choice asked at the
// start and thresholds, using only the form's own buttons; is told in Danish
// which field is wrong; looks at the preview of the tablet's observe screen;
// saves it, and the tablets' feed has it. axe-core checks every page, and the
// pages are photographed at the laptop's and the tablet's width.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { after, before, test } from './lib/suite.mjs';

import { Office } from './lib/office.mjs';

let office;
before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

// One SQL statement against the world's database; its output, trimmed.
function sql(world, statement, params = []) {
  const args = [world.conninfo, '-v', 'ON_ERROR_STOP=1', '-qAt'];
  params.forEach((p, i) => args.push('-v', `p${i}=${p}`));
  const r = spawnSync('psql', [...args, '-c', statement], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout.trim();
}

// A leader's account with a live session, made in the database as the
// in-process tests make one (until the office's own sign-in is on main).
function leaderSession(world, unit, person) {
  const id = randomBytes(16).toString('hex');
  const token = randomBytes(32).toString('hex');
  const csrf = randomBytes(32).toString('hex');
  const hash = createHash('sha256').update(token).digest('hex');
  const q = (s) => `'${s.replace(/'/g, "''")}'`;
  sql(world, `INSERT INTO accounts (id, login, person_id, role, name) VALUES (${q(id)}, ` +
    `${q(`lea-${id.slice(0, 8)}`)}, ${q(person)}, 'leader', 'Lea Leder')`);
  sql(world, `INSERT INTO sessions (token_sha256, account_id, csrf) VALUES (${q(hash)}, ` +
    `${q(id)}, ${q(csrf)})`);
  return token;
}

test('a leader designs a template without JavaScript, previews it and saves it', async () => {
  const world = office.world;
  const unit = world.admin(['unit-add', '--name', 'Mælkebøtten']).out;
  const person = world.admin(['person-add', '--unit', unit, '--name', 'Lea Leder',
    '--role', 'leader']).out;
  assert.match(person, /^[0-9a-f-]{36}$/);
  const token = leaderSession(world, unit, person);
  const v = await office.visitor({ javaScript: false });
  await v.context.addCookies([{ name: '__Host-blik', value: token, url: world.url,
    secure: true, httpOnly: true, sameSite: 'Strict' }]);
  const page = v.page;
  page.setDefaultTimeout(20000);
  const button = (name) => page.getByRole('button', { name, exact: true }).first();
  const field = (label) => page.getByLabel(label, { exact: true });
  try {
    // The empty list says what a template is.
    await v.goto(`/templates?unit=${unit}`, { shot: 'templates-empty' });
    assert.match(await page.locator('main').innerText(), /En skabelon siger, hvordan/);
    await v.follow(page.getByRole('link', { name: 'Ny skabelon' }), { shot: 'template-new' });

    // The scale comes with three levels, lowest first.
    assert.equal(await field('Trin 1').inputValue(), 'Ikke set');
    await field('Navn').fill('Samling i gården');
    await field('Trin 3').fill('Tydeligt og ofte');

    // Two counters, one timer, each added with the form's own button.
    await v.follow(button('Tilføj en tæller'));
    await field('Tæller 1').fill('Åbent spørgsmål');
    await v.follow(button('Tilføj en tæller'));
    await field('Tæller 2').fill('Barnets initiativ');
    await v.follow(button('Tilføj en tidtager'));
    await field('Tidtager 1').fill('Ventetid');

    // A choice asked at the start: its kind, then its options.
    await v.follow(button('Tilføj et kontekstfelt'));
    await field('Kontekstfelt 1').fill('Hvor');
    await field('Slags felt 1').selectOption('choice');
    await v.follow(button('Opdatér formularen'));
    await v.follow(button('Tilføj en mulighed til felt 1'));
    await v.follow(button('Tilføj en mulighed til felt 1'));
    await field('Mulighed 1 i felt 1').fill('Inde');
    await field('Mulighed 2 i felt 1').fill('Ude');

    // Moving the second counter up keeps both names, in the new order.
    await v.follow(page.getByRole('button', { name: 'Flyt op Tæller 2' }));
    assert.equal(await field('Tæller 1').inputValue(), 'Barnets initiativ');
    assert.equal(await field('Tæller 2').inputValue(), 'Åbent spørgsmål');

    // A mistake is named in Danish at its field, and what was typed stays.
    await field('Grøn fra (procent)').fill('30');
    await v.follow(button('Gem'), { status: 400, shot: 'template-error' });
    const problems = await page.locator('.errors').innerText();
    assert.match(problems, /Grøn-grænsen må ikke være lavere end gul-grænsen\./);
    assert.equal(await field('Grøn fra (procent)').getAttribute('aria-invalid'), 'true');
    assert.equal(await field('Mulighed 2 i felt 1').inputValue(), 'Ude');
    await field('Grøn fra (procent)').fill('75');

    // The preview, before anything is saved.
    await v.follow(button('Forhåndsvis'), { shot: 'template-preview-form' });
    const preview = page.locator('.tpl-preview');
    assert.match(await preview.innerText(), /Dette er en forhåndsvisning/);
    assert.deepEqual(await preview.locator('.tpl-counter > span:last-child').allInnerTexts(),
      ['Barnets initiativ', 'Åbent spørgsmål']);
    assert.equal(sql(world, `SELECT count(*) FROM templates WHERE unit_id = '${unit}'`), '0',
      'the preview saved nothing');

    // Saved: its page, the list, the feed.
    await v.follow(button('Gem'), { shot: 'template-saved' });
    const id = new URL(page.url()).pathname.split('/')[2];
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.match(await page.locator('main').innerText(), /2 tællere · 1 tidtager · 1 kontekstfelt/);
    const data = JSON.parse(sql(world, `SELECT data FROM items WHERE entity = 'template' ` +
      `AND key = '${id}/1' AND unit_id = '${unit}'`));
    assert.deepEqual(data.scale, ['Ikke set', 'Delvist', 'Tydeligt og ofte']);
    assert.deepEqual(data.counters, [{ key: 'barnets_initiativ', label: 'Barnets initiativ' },
      { key: 'aabent_spoergsmaal', label: 'Åbent spørgsmål' }]);
    assert.deepEqual(data.states, [{ key: 'ventetid', label: 'Ventetid' }]);
    assert.deepEqual(data.context, [{ key: 'hvor', label: 'Hvor', type: 'choice',
      options: ['Inde', 'Ude'] }]);
    assert.deepEqual(data.thresholds, { green_pct: 75, yellow_pct: 40 });

    await v.goto(`/templates/${id}/preview`, { shot: 'template-preview' });
    // Upright on a tablet's width, the signs go above the counters.
    await page.setViewportSize({ width: 800, height: 1280 });
    const signs = await page.locator('.tpl-signs').boundingBox();
    const tools = await page.locator('.tpl-tools').boundingBox();
    assert.ok(tools.y >= signs.y + signs.height, 'portrait: the tools are below the signs');
    await page.setViewportSize({ width: 1366, height: 768 });
    const wide = await page.locator('.tpl-tools').boundingBox();
    const wideSigns = await page.locator('.tpl-signs').boundingBox();
    assert.ok(wide.x >= wideSigns.x + wideSigns.width, 'landscape: the tools are beside the signs');
    await v.goto(`/templates?unit=${unit}`, { shot: 'templates' });
    assert.match(await page.locator('table').innerText(), /Samling i gården/);
    await v.goto(`/templates/${id}/edit`, { shot: 'template-edit' });
  } catch (e) {
    // The first failure is the story, with the page it stopped on; closing
    // after it would only add that this page was not checked.
    console.error(`on ${page.url()}:\n${await page.locator('main').innerText().catch(() => '')}`);
    await v.context.close();
    throw e;
  }
  await v.close();
});

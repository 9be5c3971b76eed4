// The office's frame as every page has it: the security headers on pages,
// redirects and static files, a page that passes axe and reads the same with
// JavaScript off, Danish by default and English on request, and a visitor who
// is not signed in sent to sign in with the address they wanted kept.
import assert from 'node:assert/strict';
import { after, before, test } from './lib/suite.mjs';

import { Office, cookieProblems, securityProblems } from './lib/office.mjs';

let office;
before(async () => { office = await Office.start(); });
after(async () => { await office?.stop(); });

test('a page the office does not have is a 404 page that passes axe and sends the security headers', async () => {
  const v = await office.visitor();
  const r = await v.goto('/ingen-side', { status: 404, shot: 'not-found' });
  assert.deepEqual(securityProblems(r), []);
  assert.deepEqual((await cookieProblems(r)).problems, []);
  assert.equal(await v.page.locator('html').getAttribute('lang'), 'da', 'Danish by default');
  await assert.doesNotReject(v.page.getByRole('heading', { level: 1, name: 'Ikke fundet' }).waitFor());
  // The stylesheet came from the office itself, under the same headers.
  const css = await office.world.request('GET', '/static/office.css');
  assert.equal(css.status, 200);
  assert.match(css.headers['content-type'], /^text\/css/);
  assert.deepEqual(securityProblems(css), []);
  await v.close();
});

test('English on request, by a link with a name a keyboard reaches', async () => {
  const v = await office.visitor();
  await v.goto('/ingen-side', { status: 404 });
  const english = v.page.getByRole('link', { name: 'English' });
  await english.focus();
  assert.equal(await english.evaluate((e) => e === document.activeElement), true);
  await v.goto('/ingen-side?lang=en', { status: 404, shot: 'not-found-en' });
  assert.equal(await v.page.locator('html').getAttribute('lang'), 'en');
  await assert.doesNotReject(v.page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor());
  await v.close();
});

test('without JavaScript the page reads the same and its links work', async () => {
  const v = await office.visitor({ javaScript: false });
  await v.goto('/ingen-side', { status: 404 });
  assert.equal(await v.page.getByRole('heading', { level: 1 }).textContent(), 'Ikke fundet');
  assert.equal(await v.page.getByRole('link', { name: 'Gå til overblikket' }).getAttribute('href'), '/');
  // A stranger asking for the overview is sent to sign in, the address kept.
  const r = await office.world.request('GET', '/');
  assert.equal(r.status, 303);
  assert.equal(r.headers.location, '/sign-in?next=%2F');
  assert.deepEqual(securityProblems(r), [], 'a redirect carries the headers too');
  await v.close();
});

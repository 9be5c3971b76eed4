// Signing in to the office in a real browser: the page passes axe and reads
// and posts with JavaScript off; a wrong password is said in words and signs
// no one in; the right one gives a session cookie that is HttpOnly, Secure
// and SameSite=Strict under the security headers; signing out ends it.
import assert from 'node:assert/strict';
import { after, before, test } from './lib/suite.mjs';

import { Office, cookieProblems, securityProblems } from './lib/office.mjs';

let office;
const login = 'anna.admin';
const password = 'solsikke og regnvejr i marts';

before(async () => {
  office = await Office.start();
  office.world.admin(['account-add', '--login', login, '--role', 'admin', '--name', 'Anna Admin']);
  office.world.admin(['account-password', '--login', login], { input: `${password}\n` });
});
after(async () => { await office?.stop(); });

// Fills the sign-in form by its labels and sends it.
async function signIn(v, who, secret, opts) {
  await v.page.getByLabel('Brugernavn').fill(who);
  await v.page.getByLabel('Adgangskode').fill(secret);
  return v.follow(v.page.getByRole('button', { name: 'Log ind' }), opts);
}

for (const javaScript of [true, false]) {
  test(`sign-in and sign-out with JavaScript ${javaScript ? 'on' : 'off'}`, async () => {
    const v = await office.visitor({ javaScript });
    const form = await v.goto('/', { shot: javaScript ? 'sign-in' : undefined });
    assert.equal(new URL(v.page.url()).pathname, '/sign-in', 'a stranger is asked to sign in');
    assert.deepEqual(securityProblems(form), []);

    const wrong = await signIn(v, login, 'not the password at all', { status: 400 });
    assert.deepEqual(securityProblems(wrong), []);
    await v.page.getByText('Brugernavnet eller adgangskoden er forkert').first().waitFor();
    assert.equal((await v.context.cookies()).filter((k) => k.name === '__Host-blik').length, 0,
      'no session for a wrong password');

    const ok = await signIn(v, login, password, { shot: javaScript ? 'overview-empty' : undefined });
    assert.equal(new URL(v.page.url()).pathname, '/');
    const post = await ok.request().redirectedFrom()?.response();
    assert.ok(post, 'the sign-in answered with a redirect');
    assert.equal(post.status(), 303);
    const c = await cookieProblems(post);
    assert.equal(c.cookies >= 1, true, 'the sign-in set a session cookie');
    assert.deepEqual(c.problems, []);
    assert.deepEqual(securityProblems(post), []);
    const session = (await v.context.cookies()).filter((k) => k.httpOnly && k.secure && k.sameSite === 'Strict');
    assert.equal(session.length >= 1, true);

    await v.follow(v.page.getByRole('button', { name: 'Log ud' }));
    assert.equal(new URL(v.page.url()).pathname, '/sign-in');
    const again = await office.world.request('GET', '/', {
      headers: { cookie: session.map((k) => `${k.name}=${k.value}`).join('; ') },
    });
    assert.equal(again.status, 303, 'the old session cookie no longer signs in');
    await v.close();
  });
}

// The office's browser tests share this: a whole server (office_world), Debian's
// chromium driven by playwright-core and trusting the world's own CA, and a
// Visitor that walks pages and checks each one it lands on with axe-core.
//
// Nothing is skipped: a missing chromium, certutil or npm package fails the
// test with a sentence saying what to install.
import { spawn, spawnSync } from 'node:child_process';
import https from 'node:https';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const LAPTOP = { width: 1366, height: 768 };
export const TABLET = { width: 800, height: 1280 };

const here = dirname(fileURLToPath(import.meta.url));

// Where a program's time goes, in seconds, printed when its office stops, so
// that a slow program's log says whether the world, the browser, the pages,
// axe, the keyboard walk, the screenshots or the tablet took it.
const began = performance.now();
export const spent = { world: 0, browser: 0, pages: 0, axe: 0, keyboard: 0, shots: 0, tablet: 0 };
async function timed(what, fn) {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    spent[what] += (performance.now() - t0) / 1000;
  }
}
const toolsDir = dirname(here);
const install = 'run bash .ci/deps (it installs chromium and runs npm ci in tests/office/browser)';

// The browser and the tools, or an error saying which is missing and how to
// get it. chromium may be named by BLIK_CHROMIUM (the default is Debian's).
export async function loadTools(chromiumPath = process.env.BLIK_CHROMIUM || '/usr/bin/chromium') {
  if (!existsSync(chromiumPath))
    throw new Error(`chromium is not installed at ${chromiumPath}: ${install}`);
  if (spawnSync('certutil', ['-H'], { stdio: 'ignore' }).error)
    throw new Error(`certutil (Debian's libnss3-tools) is missing: ${install}`);
  let playwright, axeSource;
  try {
    playwright = await import('playwright-core');
    axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  } catch (e) {
    throw new Error(`the test tools are not installed in ${toolsDir}/node_modules: ${install} ` +
      `(${e.message.split('\n')[0]})`);
  }
  return { chromium: playwright.chromium, axeSource, chromiumPath };
}

// The folder for this program's scratch files, under the build's tmp when run
// by ctest.
function scratch(prefix) {
  const base = process.env.BLIK_TEST_TMP || tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, prefix));
}

// A running office_world: its address, CA, database and admin commands.
export class World {
  // Starts office_world and waits (up to 90 s) for it to describe itself.
  // With tls named, the world's CA and certificate are those in that folder
  // (made there by the first world to find none).
  static async start(tls = null) {
    const exe = process.env.BLIK_OFFICE_WORLD;
    if (!exe || !existsSync(exe))
      throw new Error('BLIK_OFFICE_WORLD does not name the built office_world program: ' +
        'run these tests through ctest (ctest -L browser) in a build with tests');
    const dir = scratch('world-');
    const out = join(dir, 'world.json');
    // stdin is a pipe we never write to: should this process die, it closes
    // and office_world stops everything it started.
    const child = spawn(exe, ['--out', out, ...(tls ? ['--tls', tls] : [])], { stdio: ['pipe', 'inherit', 'inherit'] });
    let exited = null;
    child.on('exit', (code, sig) => { exited = { code, sig }; });
    for (let i = 0; i < 900 && !existsSync(out); i++) {
      if (exited)
        throw new Error(`office_world exited before it was ready (status ${exited.code ?? exited.sig})`);
      await sleep(100);
    }
    if (!existsSync(out)) {
      child.kill('SIGKILL');
      throw new Error('office_world was not ready after 90 s');
    }
    const w = new World();
    Object.assign(w, JSON.parse(readFileSync(out, 'utf8')));
    w.child = child;
    w.dir = dir;
    w.exitedRef = () => exited;
    return w;
  }

  // Runs "blik-server admin --db CONNINFO ...args" and returns its standard
  // output, trimmed; throws with its standard error unless it exits with
  // `status` (0 by default). `input` goes to its standard input.
  admin(args, { input = '', status = 0 } = {}) {
    const r = spawnSync(this.server, ['admin', '--db', this.conninfo, ...args],
      { input, encoding: 'utf8', timeout: 60000 });
    if (r.error)
      throw r.error;
    if (r.status !== status)
      throw new Error(`admin ${args.join(' ')} exited ${r.status}, not ${status}: ${r.stderr}`);
    return { out: r.stdout.trim(), err: r.stderr.trim() };
  }

  // One HTTPS request to the world's server from this process, trusting the
  // world's CA and following no redirect: for what a browser hides (a 303's
  // own headers, a forged form). Resolves to { status, headers, body }.
  request(method, path, { headers = {}, body } = {}) {
    const url = new URL(path, this.url);
    return new Promise((resolve, reject) => {
      const rq = https.request(url, { method, headers, ca: readFileSync(this.ca) }, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
          body: Buffer.concat(parts).toString('utf8') }));
      });
      rq.on('error', reject);
      rq.end(body);
    });
  }

  // The server's log so far (for a failure's story).
  serverLog() {
    try {
      return readFileSync(this.log, 'utf8');
    } catch {
      return '';
    }
  }

  // Stops office_world and waits for it; throws if it did not exit 0 (its
  // blik-server did not stop cleanly, or died early: it printed why).
  async stop() {
    const child = this.child;
    if (!child)
      return;
    this.child = null;
    if (!this.exitedRef()) {
      child.stdin.end();
      child.kill('SIGTERM');
    }
    for (let i = 0; i < 400 && !this.exitedRef(); i++)
      await sleep(100);
    const ex = this.exitedRef();
    rmSync(this.dir, { recursive: true, force: true });
    if (!ex) {
      child.kill('SIGKILL');
      throw new Error('office_world did not stop within 40 s');
    }
    if (ex.code !== 0)
      throw new Error(`office_world exited with status ${ex.code ?? ex.sig}: see its output above`);
  }
}

// Launches chromium headless with a profile of its own in which the world's
// CA is a trusted root (an NSS database under a throwaway HOME), so pages load
// over TLS verified exactly as for a real server, and nothing of the machine's
// own trust is changed. Pass trustCa false for a browser that does not trust it.
export async function launch(tools, world, { trustCa = true } = {}) {
  const home = scratch('home-');
  if (trustCa) {
    const db = join(home, '.pki', 'nssdb');
    mkdirSync(db, { recursive: true });
    for (const args of [['-N', '-d', `sql:${db}`, '--empty-password'],
      ['-A', '-d', `sql:${db}`, '-n', 'Blik test CA', '-t', 'C,,', '-i', world.ca]]) {
      const r = spawnSync('certutil', args, { encoding: 'utf8' });
      if (r.status !== 0)
        throw new Error(`certutil ${args[0]} failed: ${r.stderr}`);
    }
  }
  // chromium's sandbox needs user namespaces it cannot have as root.
  const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
  const browser = await tools.chromium.launch({
    executablePath: tools.chromiumPath,
    args,
    env: { ...process.env, HOME: home },
  });
  browser.on('disconnected', () => rmSync(home, { recursive: true, force: true }));
  return browser;
}

// The response's security headers, as the issue asks them of every page.
export function securityProblems(response) {
  const h = typeof response.headers === 'function' ? response.headers() : response.headers;
  const problems = [];
  const csp = h['content-security-policy'] ?? '';
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/))
    .filter((d) => d[0]).map(([k, ...v]) => [k.toLowerCase(), v]));
  if (!csp)
    problems.push('no Content-Security-Policy');
  const script = directives['script-src'] ?? directives['default-src'];
  if (!script)
    problems.push(`the CSP limits no script: ${csp}`);
  else if (script.some((v) => /^'(unsafe-inline|unsafe-eval|unsafe-hashes)'$/i.test(v) || v === '*'))
    problems.push(`the CSP allows inline script: ${csp}`);
  if ((directives['frame-ancestors'] ?? []).join(' ') !== "'none'")
    problems.push(`the CSP does not say frame-ancestors 'none': ${csp}`);
  const hsts = /max-age=(\d+)/i.exec(h['strict-transport-security'] ?? '');
  if (!hsts || Number(hsts[1]) < 86400)
    problems.push(`no HSTS of a day or more: ${h['strict-transport-security']}`);
  if ((h['referrer-policy'] ?? '').toLowerCase() !== 'no-referrer')
    problems.push(`Referrer-Policy is not no-referrer: ${h['referrer-policy']}`);
  return problems;
}

// Every Set-Cookie of the response that is not HttpOnly, Secure and
// SameSite=Strict.
export async function cookieProblems(response) {
  const lines = (await response.headersArray())
    .filter((x) => x.name.toLowerCase() === 'set-cookie').map((x) => x.value);
  const problems = [];
  for (const line of lines) {
    const attrs = line.split(';').slice(1).map((a) => a.trim().toLowerCase());
    for (const want of ['httponly', 'secure', 'samesite=strict'])
      if (!attrs.includes(want))
        problems.push(`cookie without ${want}: ${line.split('=')[0]}`);
  }
  return { cookies: lines.length, problems };
}

function describeViolations(url, violations) {
  return violations.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n` +
    v.nodes.slice(0, 5).map((n) => `    at ${n.target.join(' ')}: ${n.failureSummary?.split('\n').join(' ')}`)
      .join('\n')).join('\n').replace(/^/, `axe found problems on ${url}:\n`);
}

// In the page: what can take focus, as the kinds of element it is (tag, type,
// classes, laid out or not), in document order.
function focusableKinds() {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]';
  return [...document.querySelectorAll(sel)].filter((e) => !e.disabled)
    .map((e) => `${e.tagName}${e.type ? `[${e.type}]` : ''}.${[...e.classList].sort().join('.')}` +
      `${e.getClientRects().length ? '' : '!'}`).join(' ');
}

// Walks the page with Tab (at most 60 stops) and returns what a keyboard user
// would miss: a stop with no visible focus (an outline of 2 px or more, or a
// box shadow) or one with no size. Focus is put back where it was not.
export async function keyboardProblems(page) {
  const problems = [];
  await page.evaluate(() => document.activeElement?.blur());
  const seen = new Set();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body)
        return null;
      const st = getComputedStyle(e);
      const r = e.getBoundingClientRect();
      const name = `${e.tagName.toLowerCase()} "${(e.getAttribute('aria-label') || e.textContent || e.name || '').trim().slice(0, 40)}"`;
      return {
        name,
        key: name + r.x + ',' + r.y,
        outline: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2,
        shadow: st.boxShadow && st.boxShadow !== 'none',
        sized: r.width > 0 && r.height > 0,
      };
    });
    if (!f || seen.has(f.key))
      break;
    seen.add(f.key);
    if (!f.outline && !f.shadow)
      problems.push(`${f.name} shows no focus`);
    if (!f.sized)
      problems.push(`${f.name} takes focus but has no size`);
  }
  await page.evaluate(() => document.activeElement?.blur());
  return problems;
}

// One person at one browser: a context of its own (cookies), JavaScript on or
// off. Every page the visitor lands on must be checked (check()) before the
// next: close() and the next check() fail otherwise, so no page goes unchecked
// by axe, and with JavaScript on by keyboard too (every Tab stop shows its
// focus). Console errors (a CSP refusal among them) fail the check too.
export class Visitor {
  static async open(office, { javaScript = true, viewport = LAPTOP, locale = 'da-DK' } = {}) {
    const v = new Visitor();
    v.office = office;
    v.javaScript = javaScript;
    v.context = await office.browser.newContext({
      baseURL: office.world.url, javaScriptEnabled: javaScript, viewport, locale,
    });
    v.page = await v.context.newPage();
    v.pending = [];
    v.errors = [];
    v.page.on('framenavigated', (f) => { if (f === v.page.mainFrame()) v.pending.push(f.url()); });
    // A page's own status is the test's to assert; chromium also logs it as
    // an error, so that line is left to the response check below, which
    // fails on any part of a page (a stylesheet, an icon) that did not load.
    v.page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
        v.errors.push(m.text());
    });
    v.page.on('response', (r) => {
      const req = r.request();
      if (r.status() >= 400 && !(req.isNavigationRequest() && req.frame() === v.page.mainFrame()))
        v.errors.push(`${req.method()} ${r.url()} answered ${r.status()}`);
    });
    v.page.on('requestfailed', (req) => v.errors.push(`${req.url()} failed: ${req.failure()?.errorText}`));
    v.page.on('pageerror', (e) => v.errors.push(String(e)));
    return v;
  }

  // Goes to path, asserts the status (200 unless told) and checks the page.
  async goto(path, { status = 200, shot } = {}) {
    const r = await timed('pages', () => this.page.goto(path));
    return this.landed(r, { status, shot });
  }

  // Clicks what navigates (a link, a form's button), then checks where it led.
  async follow(locator, { status = 200, shot } = {}) {
    const [r] = await timed('pages', () => Promise.all([this.page.waitForNavigation(), locator.click()]));
    return this.landed(r, { status, shot });
  }

  async landed(r, { status, shot }) {
    if (!r)
      throw new Error(`no page was loaded (at ${this.page.url()})`);
    if (r.status() !== status)
      throw new Error(`${r.request().method()} ${r.url()} answered ${r.status()}, not ${status}`);
    await this.check(shot);
    return r;
  }

  // Runs axe-core on the page the visitor is on and saves screenshots at the
  // laptop's and the tablet's width when named.
  async check(shot) {
    const url = this.page.url();
    if (this.pending.length > 1)
      throw new Error(`pages were left without an axe check: ${this.pending.slice(0, -1).join(', ')}`);
    this.pending = [];
    if (this.errors.length)
      throw new Error(`the browser reported errors on ${url}:\n  ${this.errors.join('\n  ')}`);
    await this.office.axe(url, await this.page.content(), this.page.viewportSize());
    if (this.javaScript) {
      // Whether a focused element shows its focus depends on what it is (its
      // tag, type and classes, which the stylesheet styles) and whether it
      // is laid out: a page whose focusable elements are all of kinds
      // already walked with Tab at this width shows nothing new.
      const kinds = `${this.page.viewportSize()?.width} ${await this.page.evaluate(focusableKinds)}`;
      if (!this.office.walked.has(kinds)) {
        const problems = await timed('keyboard', () => keyboardProblems(this.page));
        if (problems.length)
          throw new Error(`by keyboard on ${url}:\n  ${problems.join('\n  ')}`);
        this.office.walked.add(kinds);
      }
    }
    this.office.checked.add(new URL(url).pathname);
    if (shot)
      await this.office.shot(this.page, shot);
  }

  async close() {
    const left = this.pending;
    await this.context.close();
    if (left.length)
      throw new Error(`pages were left without an axe check: ${left.join(', ')}`);
  }
}

// Runs office_tablet (the whole app headless on the real sync engine) as a
// new tablet enrolling with code, signing in as person with pin and opening
// the focus whose question is focus; resolves with its output when it
// reached the start screen showing that focus, rejects with its story if not.
export async function tabletShowsFocus(world, { code, name, person, pin, focus, shot }) {
  const exe = process.env.BLIK_OFFICE_TABLET;
  if (!exe || !existsSync(exe))
    throw new Error('BLIK_OFFICE_TABLET does not name the built office_tablet program: ' +
      'run these tests through ctest in a build with the app and tests');
  const args = ['--url', world.url, '--ca', world.ca, '--code', code, '--name', name,
    '--person', person, '--pin', pin, '--focus', focus];
  if (shot)
    args.push('--shot', shot);
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const status = await timed('tablet', () => new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? s))));
  if (status !== 0)
    throw new Error(`office_tablet exited ${status}:\n${out}`);
  return out;
}

// Runs office_tablet as one observer of a paired session: after the start
// screen it observes with the pair code (pair: 'show' to make one, or the
// code to type), rates each sign at the scale level named in levels ('-' for
// none), taps the counter `taps` times and takes `undo` back, finishes and
// syncs. Resolves with the pair code the observation carries.
export async function tabletObservesPair(world, { code, name, person, pin, focus, pair, observee,
  room, levels, taps = 0, undo = 0, shot }) {
  const exe = process.env.BLIK_OFFICE_TABLET;
  if (!exe || !existsSync(exe))
    throw new Error('BLIK_OFFICE_TABLET does not name the built office_tablet program: ' +
      'run these tests through ctest in a build with the app and tests');
  const args = ['--url', world.url, '--ca', world.ca, '--code', code, '--name', name,
    '--person', person, '--pin', pin, '--focus', focus, '--pair', pair, '--observee', observee,
    '--room', room, '--levels', levels.join(','), '--taps', String(taps), '--undo', String(undo)];
  if (shot)
    args.push('--observe-shot', shot);
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const status = await timed('tablet', () => new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? s))));
  if (status !== 0)
    throw new Error(`office_tablet exited ${status}:\n${out}`);
  const m = /pair code: ([A-Z0-9]{6})/.exec(out);
  if (!m)
    throw new Error(`office_tablet said no pair code:\n${out}`);
  return m[1];
}

// One browser for every office of this process, once shareBrowser() was
// called: its tools, the folder of the test CA its profile trusts, and the
// browser itself (each a promise, made by the first office to start).
let shared = null;

// From now on, every Office of this process visits through one browser
// trusting one test CA, which each world serves its certificate from,
// instead of each starting its own. Returns the function that closes the
// browser and removes the CA, for when the last office has stopped.
export function shareBrowser() {
  shared = { tls: scratch('tls-'), tools: null, browser: null };
  return async () => {
    const s = shared;
    shared = null;
    try {
      await (await s.browser?.catch(() => null))?.close();
    } finally {
      rmSync(s.tls, { recursive: true, force: true });
    }
  };
}

// A world, a browser that trusts it, and the folder for screenshots: the one
// BLIK_OFFICE_SHOTS names, or none. Screenshots are for a person to look at
// (tests/office/screenshots is made from them) and check nothing, so a run
// takes them only when asked: BLIK_OFFICE_SHOTS=DIR ctest -L browser.
export class Office {
  // The tools (playwright-core is a large module to load) are loaded while
  // office_world starts its cluster and server, which leave node waiting.
  static async start() {
    const o = new Office();
    o.began = performance.now();
    o.spentBefore = { ...spent };
    const world = World.start(shared?.tls);
    world.catch(() => {}); // awaited below; no unhandled rejection meanwhile
    try {
      if (shared)
        shared.tools ??= loadTools();
      o.tools = await (shared ? shared.tools : loadTools());
    } catch (e) {
      await world.then((w) => w.stop(), () => {});
      throw e;
    }
    o.world = await timed('world', () => world);
    try {
      if (shared) {
        // The first world made the CA that every later one serves from.
        shared.browser ??= launch(o.tools, o.world);
        o.browser = await timed('browser', () => shared.browser);
      } else {
        o.browser = await timed('browser', () => launch(o.tools, o.world));
      }
    } catch (e) {
      await o.world.stop();
      throw e;
    }
    o.ownBrowser = !shared;
    o.checker = o.makeChecker();
    o.checker.catch(() => {}); // a failure is the first check's to report
    o.checked = new Set();
    o.walked = new Set();
    o.shots = process.env.BLIK_OFFICE_SHOTS || null;
    if (o.shots)
      mkdirSync(o.shots, { recursive: true });
    return o;
  }

  // Runs axe-core on a page as the visitor has it: its document (for the
  // office, which sends no script, the same with JavaScript on or off) written
  // into a checking page of the office's own origin, at the visitor's
  // viewport, so the office's stylesheet applies as it did for the visitor.
  // Fails on any violation. A page read with JavaScript off could not be
  // checked where it is anyway: axe needs script and timers.
  //
  // The checking page's window outlives each document written into it, so
  // axe-core's script (half a megabyte, whose parsing costs far more than
  // checking an office page) is parsed once for the whole program instead of
  // once for every page.
  async axe(url, html, viewport) {
    return timed('axe', () => this.axeNow(url, html, viewport));
  }

  // The checking page: an empty page at the office's address, so the pages
  // written into it later load the office's stylesheet from the office, with
  // axe-core's script parsed. Made as the office starts, while the test sets
  // up its data.
  async makeChecker() {
    const ctx = await this.browser.newContext({ baseURL: this.world.url });
    const page = await ctx.newPage();
    const blank = new URL('/axe-check', this.world.url).href;
    await page.route(blank, (route) => route.fulfill({ status: 200,
      contentType: 'text/html; charset=utf-8', body: '<!DOCTYPE html><title>axe</title>' }));
    await page.goto(blank);
    await page.evaluate(this.tools.axeSource);
    return page;
  }

  async axeNow(url, html, viewport) {
    const page = await this.checker;
    const was = page.viewportSize();
    if (viewport && (viewport.width !== was.width || viewport.height !== was.height))
      await page.setViewportSize(viewport);
    await page.setContent(html, { waitUntil: 'load' });
    if (!(await page.evaluate('typeof window.axe === "object"')))
      await page.evaluate(this.tools.axeSource);
    const violations = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] })
      .then((r) => r.violations));
    if (violations.length)
      throw new Error(describeViolations(url, violations));
  }

  // The path for a screenshot named file, or undefined when no screenshots
  // were asked for (office_tablet then takes none).
  shotPath(file) {
    return this.shots ? join(this.shots, file) : undefined;
  }

  visitor(opts) {
    return Visitor.open(this, opts);
  }

  // Full-page screenshots of what page shows, at the laptop's width and then
  // the tablet's, named NAME-WIDTHxHEIGHT.png; the page is left as it was.
  // Nothing when no screenshots were asked for.
  async shot(page, name) {
    if (!this.shots)
      return;
    return timed('shots', () => this.shotNow(page, name));
  }

  async shotNow(page, name) {
    const was = page.viewportSize();
    for (const vp of [LAPTOP, TABLET]) {
      await page.setViewportSize(vp);
      await page.screenshot({ path: join(this.shots, `${name}-${vp.width}x${vp.height}.png`), fullPage: true });
    }
    await page.setViewportSize(was);
  }

  // Closes the browser, or with a shared one this office's checking page, and
  // stops the world; then prints where this office's time went.
  async stop() {
    let err = null;
    try {
      if (this.ownBrowser)
        await this.browser?.close();
      else
        await (await this.checker?.catch(() => null))?.context().close();
    } catch (e) {
      err = e;
    }
    await timed('world', async () => this.world?.stop());
    process.stderr.write(`time spent (s): ${Object.entries(spent)
      .map(([k, t]) => `${k} ${(t - (this.spentBefore?.[k] ?? 0)).toFixed(1)}`).join(', ')} of ${((performance.now() - (this.began ?? began)) / 1000).toFixed(1)}\n`);
    if (err)
      throw err;
  }
}

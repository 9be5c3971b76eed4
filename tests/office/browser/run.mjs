// Runs the test files named on the command line (their names without
// .test.mjs) in this one process, one after the other, each in a suite of its
// own with its own office_world, all visiting through one chromium: loading
// playwright-core, starting chromium and its first page cost some seconds of
// CPU in every program, which a browser shared by a dozen files pays once.
// A file's before and after still frame only its own tests (lib/suite.mjs),
// and each file still runs alone with node --test FILE.
import { after } from 'node:test';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { shareBrowser } from './lib/office.mjs';
import { collectInto, suite } from './lib/suite.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const names = process.argv.slice(2);
if (!names.length || names.some((n) => !/^[a-z]+$/.test(n))) {
  process.stderr.write('usage: node run.mjs NAME... (test files NAME.test.mjs beside run.mjs)\n');
  process.exit(2);
}
const closeShared = shareBrowser();
for (const name of names) {
  const list = [];
  collectInto(list);
  try {
    await import(pathToFileURL(join(here, `${name}.test.mjs`)).href);
  } finally {
    collectInto(null);
  }
  suite(name, list);
}
after(closeShared);

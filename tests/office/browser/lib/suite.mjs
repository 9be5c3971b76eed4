// The test files' before, after and test. A file run alone (node --test
// FILE) registers them with node:test directly. The runner (run.mjs), which
// loads several files into one process to share one browser among them,
// collects each file's hooks and tests as the file is loaded and registers
// them inside a suite of the file's own, so that one file's before and after
// frame only that file's tests, as when it runs alone.
import * as nodeTest from 'node:test';

let collecting = null;

// From now on, hooks and tests go into list (an array of [kind, arguments])
// instead of to node:test; null ends that.
export function collectInto(list) {
  collecting = list;
}

function register(kind) {
  return (...args) => (collecting ? collecting.push([kind, args]) : nodeTest[kind](...args));
}

export const before = register('before');
export const after = register('after');
export const test = register('test');

// Registers what a file collected, inside a suite named name.
export function suite(name, list) {
  nodeTest.describe(name, () => {
    for (const [kind, args] of list)
      nodeTest[kind](...args);
  });
}

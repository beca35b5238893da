// The page's own arithmetic, run by `node --test` outside any browser: amounts as people read them, numbers in the
// reader's language, and every call's data. The expected values come from Python (tests/page/test_page_scripts.py
// passes them in OST_PAGE_CASES): the same rule and the same ABI, so the page and the bridge cannot drift apart.
'use strict';

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const STATIC = path.join(__dirname, '..', '..', 'api', 'static');
const cases = JSON.parse(process.env.OST_PAGE_CASES || '{"amounts": [], "calls": [], "selectors": {}}');

// The page's scripts in a context of their own, as a browser loads them (classic scripts sharing one global scope).
function page(lang, selectors = {}) {
  const context = vm.createContext({
    window: { i18n: { lang, number: (n) => new Intl.NumberFormat(lang).format(n) } },
    state: { config: { selectors } },
    Intl,
    BigInt,
  });
  for (const script of ['common.js', 'wallet.js']) {
    vm.runInContext(fs.readFileSync(path.join(STATIC, script), 'utf8'), context, { filename: script });
  }
  return (expression, values = {}) => {
    Object.assign(context, values);
    return vm.runInContext(expression, context);
  };
}

test('an amount reads as the bridge, the phone and the command write it', () => {
  assert.ok(cases.amounts.length >= 8, 'the cases come from Python');
  const js = page('en');
  for (const [value, decimals, said] of cases.amounts) {
    assert.equal(js('units(BigInt(v), d)', { v: value, d: decimals }), said, `${value} at ${decimals} decimals`);
  }
});

test('an amount is written as the reader\'s language writes numbers', () => {
  const french = page('fr');
  assert.equal(french('units(15n, 1)'), '1,5');
  assert.equal(french('units(1n, 18)'), '<0,0001');
  assert.match(french('units(1234567890000000000000n, 18)'), /^1\s234,5679$/u);
  assert.equal(page('af')('units(25000n, 5)'), '0,25');
});

test('every call\'s data is the call Python encodes from the compiled ABI', () => {
  assert.ok(cases.calls.length >= 7, 'the cases come from Python');
  const js = page('en', cases.selectors);
  for (const { call, args, data } of cases.calls) {
    const values = args.map((a) => (typeof a === 'number' || /^\d+$/.test(a) ? BigInt(a) : a));
    assert.equal(js(`calldata.${call}(...values)`, { values }), data, call);
  }
});

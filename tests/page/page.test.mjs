// The page's own modules, run by `node --test` outside any browser: amounts as people read them, plural forms in
// the reader's language, and every call's data. The expected values come from Python (tests/page/
// test_page_scripts.py passes them in OST_PAGE_CASES): the same rules, catalogs and ABI, so the page, the phone and
// the bridge cannot drift apart. The calls are encoded by the page's calldata.js, through ethers, from the ABI
// fragments Python serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { amountFrom, i18n, units } from '../../api/static/common.js';
import { address, decode, encode } from '../../api/static/calldata.js';
import { state } from '../../api/static/state.js';

const cases = JSON.parse(process.env.OST_PAGE_CASES || '{"amounts": [], "calls": [], "fragments": {}, "plurals": {}}');
const speaking = (lang) => Object.assign(i18n, { lang });

test('an amount reads as the bridge, the phone and the command write it', () => {
  assert.ok(cases.amounts.length >= 8, 'the cases come from Python');
  speaking('en');
  for (const [value, decimals, said] of cases.amounts) assert.equal(units(BigInt(value), decimals), said, `${value} at ${decimals} decimals`);
});

test('an amount is written as the reader\'s language writes numbers', () => {
  speaking('fr');
  assert.equal(units(15n, 1), '1,5');
  assert.equal(units(1n, 18), '<0,0001');
  assert.match(units(1234567890000000000000n, 18), /^1\s234,5679$/u);
  speaking('af');
  assert.equal(units(25000n, 5), '0,25');
});

test('a sentence that changes with a number takes the form the phone and the bridge say', () => {
  const { language, plurals, one, other, said } = cases.plurals;
  assert.ok(said && Object.keys(said).length >= 6, 'the cases come from Python');
  Object.assign(i18n, { lang: language, plurals });
  for (const [n, sentence] of Object.entries(said)) {
    assert.equal(i18n.tn(one, other, Number(n), { count: n }), sentence, `${language}, ${n}`);
  }
  Object.assign(i18n, { plurals: {} });
});

test('every call\'s data is the call Python encodes from the compiled ABI', async () => {
  assert.ok(cases.calls.length >= 9, 'the cases come from Python');
  state.config = { calls: cases.fragments };
  for (const { call, args, data } of cases.calls) {
    const values = args.map((a) => (typeof a === 'number' || /^\d+$/.test(a) ? BigInt(a) : a));
    assert.equal(await encode(call, ...values), data, call);
  }
});

test('a call\'s answer reads as its ABI says, and an address is checked before anything is built', async () => {
  state.config = { calls: cases.fragments };
  const name = '0x' + [32n, 5n].map((n) => n.toString(16).padStart(64, '0')).join('') +
    Buffer.from('Hello').toString('hex').padEnd(64, '0');
  assert.deepEqual(await decode('name', name), ['Hello']);
  assert.equal(await address(` ${cases.asset.toLowerCase()} `), cases.asset, 'written in small letters');
  assert.equal(await address(cases.asset), cases.asset);
  const misspelt = cases.asset.slice(0, -1) + (cases.asset.endsWith('1') ? '2' : '1');
  assert.equal(await address(misspelt.replace(/[a-f]/, (c) => c.toUpperCase())), null, 'a wrong EIP-55 checksum');
  assert.equal(await address('0x1234'), null);
});

test('an amount a reader types is read as their language writes it, and a thousands separator is never guessed', () => {
  const INF = 10n ** 18n;
  const cases = {
    en: [['1.5', 15n * INF / 10n], ['1,5', 15n * INF / 10n], ['0,25', INF / 4n], ['1.000', INF], ['1,000', 'grouped'],
      ['1,000.5', 'grouped'], ['1 000', 1000n * INF], ['007', 7n * INF], ['1.', INF], ['.5', null], ['abc', null],
      ['', null], ['1.2.3', null], ['0.0000000000000000001', null]],
    fr: [['1,5', 15n * INF / 10n], ['1,000', INF], ['1.000', 'grouped'], ['1\u202f234,5', 12345n * INF / 10n]],
    af: [['0,25', INF / 4n], ['1.000', 'grouped']],
    ar: [['\u0661\u066b\u0665', 15n * INF / 10n], ['\u0661', INF], ['\u0661\u066c\u0660\u0660\u0660', 'grouped'],
      ['1.5', 15n * INF / 10n], ['\u06f2', 2n * INF]],
  };
  for (const [lang, typed] of Object.entries(cases)) {
    speaking(lang);
    for (const [text, read] of typed) assert.equal(amountFrom(text, 18), read, `${lang}: ${JSON.stringify(text)}`);
  }
  speaking('en');
  assert.equal(amountFrom('2', 0), 2n);
  assert.equal(amountFrom('2.0', 0), null, 'a share is whole');
  assert.equal(amountFrom('1,000', 0), 'grouped');
});

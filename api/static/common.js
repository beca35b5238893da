'use strict';
// What the town page and the network page share: reading the bridge (in the reader's language), building
// elements (text is always text), and amounts in whole units as the reader's language writes numbers.

const $ = (id) => document.getElementById(id);
const t = (message, values) => window.i18n.t(message, values); // the page's words in the reader's language
const tn = (one, other, n, values) => window.i18n.tn(one, other, n, values); // … that change with a number

// The bridge's answer to GET ``path``; a refusal as an Error with the bridge's sentence, in the reader's language.
async function api(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json', 'Accept-Language': window.i18n.lang } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || t('The town\'s bridge answered {status}.', { status: response.status }));
  return body;
}

// An element with attributes and children; text is always text (never parsed as HTML).
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// An amount in whole units, exact (no floating point), written as the reader's language writes numbers.
function units(value, decimals, places = 4) {
  const v = BigInt(value);
  const scale = 10n ** BigInt(decimals);
  const whole = v / scale;
  const fraction = (v % scale).toString().padStart(decimals, '0').slice(0, places).replace(/0+$/, '');
  const lang = window.i18n.lang;
  const point = new Intl.NumberFormat(lang).formatToParts(1.5).find((p) => p.type === 'decimal').value;
  const digit = new Intl.NumberFormat(lang, { useGrouping: false });
  return whole.toLocaleString(lang) + (fraction ? point + [...fraction].map((d) => digit.format(Number(d))).join('') : '');
}

function count(n) { return window.i18n.number(n); }

function short(address) { return address.slice(0, 6) + '…' + address.slice(-4); }

// A country's name in the reader's language ("ZA" → "South Africa", "Suid-Afrika"); the code if unknown.
function countryName(code) {
  try { return new Intl.DisplayNames([window.i18n.lang], { type: 'region' }).of(code); } catch (e) { return code; }
}

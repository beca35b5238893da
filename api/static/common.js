// What the town page and the network page share: reading the bridge (in the reader's language), building
// elements (text is always text), and amounts in whole units as the reader's language writes numbers.
import { i18n } from './i18n.js';

export { i18n };

export const $ = (id) => document.getElementById(id);
export const t = (message, values) => i18n.t(message, values); // the page's words in the reader's language
export const tn = (one, other, n, values) => i18n.tn(one, other, n, values); // … that change with a number
// Marks a sentence for the catalogs where it is written apart from where it is said (a table): t() says it then,
// in the reader's language at that moment.
export const N_ = (sentence) => sentence;

// The town this page shows. At /towns/{slug}/ (one bridge may serve several towns) it reads /v1/towns/{slug}/…; at /
// it reads the bridge's first town, /v1/….
const townInPath = (globalThis.location?.pathname ?? '/').match(/^\/towns\/([a-z0-9-]+)\//);
export const townRoot = townInPath ? `/towns/${townInPath[1]}/` : '/';
export const apiBase = townInPath ? `/v1/towns/${townInPath[1]}` : '/v1';

// A path of the bridge's town API (/v1/town, /v1/documents/…) as this page's town has it.
// (The list of towns, /v1/towns, is the bridge's, not a town's.)
export function inTown(path) { return path.startsWith('/v1/') && path !== '/v1/towns' ? apiBase + path.slice(3) : path; }

// The bridge's answer to GET ``path`` (a town's path, as inTown has it); a refusal as an Error with the bridge's
// sentence, in the reader's language.
export async function api(path) {
  const response = await fetch(inTown(path), { headers: { Accept: 'application/json', 'Accept-Language': i18n.lang } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || t('The town\'s bridge answered {status}.', { status: response.status }));
  return body;
}

// An element with attributes and children; text is always text (never parsed as HTML).
export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// An amount as people read it, the one rule the CLI, the phone and the page share (ost_chain.units.money): whole
// units rounded half-to-even to four places, grouped as the reader's language groups; a non-zero amount below
// that reads "<0.0001".
const PLACES = 4;
export function units(value, decimals) {
  const v = BigInt(value);
  const exact = BigInt(decimals) >= BigInt(PLACES);
  const step = exact ? 10n ** BigInt(decimals - PLACES) : 1n;
  let q = exact ? v / step : v * 10n ** BigInt(PLACES - decimals);
  const r = exact ? v % step : 0n;
  if (2n * r > step || (2n * r === step && q % 2n === 1n)) q += 1n;  // half to even, as Python's ROUND_HALF_EVEN
  const lang = i18n.lang;
  const point = new Intl.NumberFormat(lang).formatToParts(1.5).find((p) => p.type === 'decimal').value;
  const digit = new Intl.NumberFormat(lang, { useGrouping: false });
  const said = (n) => {
    const scale = 10n ** BigInt(PLACES);
    const fraction = (n % scale).toString().padStart(PLACES, '0').replace(/0+$/, '');
    return (n / scale).toLocaleString(lang) + (fraction ? point + [...fraction].map((d) => digit.format(Number(d))).join('') : '');
  };
  return q === 0n && v !== 0n ? '<' + said(1n) : said(q);
}

// An amount as a reader writes it, in smallest units of `decimals` places: null when it is not a number,
// 'grouped' when it separates thousands (1,000 could be read as one or as a thousand: it is refused, never
// guessed). The reader's language's decimal sign is the decimal sign; the other of "." and "," is taken as one too
// when it is not followed by exactly three digits ("1,5" from an English reader, "1.5" from a French one). Spaces
// are ignored, and Arabic-Indic and Persian digits read as 0–9.
export function amountFrom(text, decimals) {
  const point = new Intl.NumberFormat(i18n.lang).formatToParts(1.5).find((p) => p.type === 'decimal').value;
  const digits = text.trim().replace(/\s/gu, '')
    .replace(/[\u0660-\u0669]/gu, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/gu, (d) => String(d.charCodeAt(0) - 0x06f0));
  const match = /^(\d+)(?:([.,\u066b])(\d*))?$/u.exec(digits);
  if (!match) return /^\d{1,3}([.,\u066c]\d{3})+([.,\u066b]\d*)?$/u.test(digits) ? 'grouped' : null;
  const [, whole, sign, fraction = ''] = match;
  if (sign && sign !== point && sign !== '\u066b' && fraction.length === 3) return 'grouped';
  if (fraction.length > decimals) return null;
  return BigInt(whole + fraction.padEnd(decimals, '0'));
}

export function count(n) { return i18n.number(n); }

export function short(address) { return address.slice(0, 6) + '…' + address.slice(-4); }

// A country's name in the reader's language ("ZA" → "South Africa", "Suid-Afrika"); the code if unknown.
export function countryName(code) {
  try { return new Intl.DisplayNames([i18n.lang], { type: 'region' }).of(code); } catch (e) { return code; }
}

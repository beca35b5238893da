'use strict';
// The OST network's towns by country, with their figures; this bridge's own town links to its page.

const $ = (id) => document.getElementById(id);

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function units(value, decimals, places = 4) {
  const raw = BigInt(value);
  const whole = raw / 10n ** BigInt(decimals);
  const fraction = (raw % 10n ** BigInt(decimals)).toString().padStart(decimals, '0').slice(0, places).replace(/0+$/, '');
  return whole.toLocaleString() + (fraction ? '.' + fraction : '');
}

async function api(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || `The bridge answered ${response.status}.`);
  return body;
}

// This bridge's own town links to its page here; another town to the page it published on chain, if any.
function townLink(t, ours) {
  if (t.registry === ours) return el('a', { href: '/' }, t.name);
  if (/^https?:\/\//.test(t.page)) return el('a', { href: t.page, rel: 'noopener' }, t.name);
  return el('span', {}, t.name, el('span', { class: 'muted' }, ' (no page published)'));
}

async function start() {
  try {
    const [network, config] = await Promise.all([api('/v1/network'), api('/v1/config')]);
    const ours = config.contracts.TownRegistry;
    const countries = [...new Set(network.towns.map((t) => t.country))].sort();
    $('network-line').textContent = `${network.towns.length} town(s) in ${countries.length} country(ies).`;
    $('countries').replaceChildren(...countries.map((country) => {
      const ambassador = network.countryAmbassadors[country];
      const none = /^0x0+$/.test(ambassador);
      const rows = network.towns.filter((t) => t.country === country).map((t) => el('tr', {},
        el('th', { scope: 'row' }, townLink(t, ours), t.registry === ours ? ' (this town)' : ''),
        el('td', { 'data-label': 'Launched' }, t.launched ? 'yes' : 'not yet'),
        el('td', { 'data-label': 'Members' }, t.members.toLocaleString()),
        el('td', { 'data-label': 'INF issued' }, `${units(t.infIssued, 18, 2)} INF`),
        el('td', { 'data-label': 'Raised' }, t.raisedText.join(', ') || '–'),
        el('td', { 'data-label': 'Profit deposited' }, `${units(t.profitDeposited, 18)} ETH`)));
      return el('section', { 'aria-labelledby': `country-${country}` },
        el('h2', { id: `country-${country}` }, country),
        el('p', { class: 'muted address' }, none ? 'No Country Ambassador: no town here can launch until one is appointed.'
          : `Country Ambassador: ${ambassador}`),
        el('div', { class: 'table-wrap' }, el('table', {},
          el('caption', { class: 'visually-hidden' }, `The towns of ${country}`),
          el('thead', {}, el('tr', {}, ...['Town', 'Launched', 'Members', 'INF issued', 'Raised', 'Profit deposited']
            .map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, ...rows))));
    }));
  } catch (error) {
    $('network-line').textContent = error.message;
  }
}

document.addEventListener('DOMContentLoaded', start);

// The OST network's towns by country, with their figures; this bridge's own town links to its page.
import { $, api, count, countryName, el, i18n, t, tn, townRoot, units } from './common.js';

// A town this bridge serves links to its page here; another town to the page it published on chain, if any.
function townLink(town, served) {
  if (served.has(town.registry)) return el('a', { href: served.get(town.registry) }, town.name);
  if (/^https?:\/\//.test(town.page)) return el('a', { href: town.page, rel: 'noopener' }, town.name);
  return el('span', {}, town.name, el('span', { class: 'muted' }, ` (${t('no page published')})`));
}

async function render() {
  const [network, config, servedTowns] = await Promise.all([api('/v1/network'), api('/v1/config'), api('/v1/towns')]);
  const ours = config.contracts.TownRegistry; // the town this page is seen from (/towns/{slug}/network: that town)
  $('back-link').href = townRoot;
  // The bridge's first town at /, every town it serves at /towns/{slug}/ too: the first keeps its short address.
  const served = new Map(servedTowns.map((town, n) => [town.registry, n === 0 ? '/' : town.page]));
  const coin = config.chain.nativeCurrency.symbol;
  const countries = [...new Set(network.towns.map((town) => town.country))].sort();
  const towns = network.towns.length;
  $('network-line').textContent = t('{towns} in {countries}.', {
    towns: tn('{count} town', '{count} towns', towns, { count: count(towns) }),
    countries: tn('{count} country', '{count} countries', countries.length, { count: count(countries.length) }),
  });
  const headings = [t('Town'), t('Launched'), t('Members'), t('INF issued'), t('Raised'), t('Profit deposited')];
  $('countries').replaceChildren(...countries.map((country) => {
    const ambassador = network.countryAmbassadors[country];
    const none = /^0x0+$/.test(ambassador);
    const rows = network.towns.filter((town) => town.country === country).map((town) => el('tr', {},
      el('th', { scope: 'row' }, townLink(town, served), town.registry === ours ? ` (${t('this town')})` : ''),
      el('td', { 'data-label': t('Launched') }, town.launched ? t('yes') : t('not yet')),
      el('td', { 'data-label': t('Members') }, count(town.members)),
      el('td', { 'data-label': t('INF issued') }, `${units(town.infIssued, 18)} INF`),
      el('td', { 'data-label': t('Raised') },
        town.raisedIn.map((r) => `${units(r.amount, r.decimals)} ${r.symbol}`).join(', ') || '–'),
      el('td', { 'data-label': t('Profit deposited') }, `${units(town.profitDeposited, 18)} ${coin}`)));
    return el('section', { 'aria-labelledby': `country-${country}` },
      el('h2', { id: `country-${country}` }, countryName(country)),
      el('p', { class: 'muted address' }, none
        ? t('No Country Ambassador: no town here can launch until one is appointed.')
        : t('Country Ambassador: {address}', { address: ambassador })),
      el('div', { class: 'table-wrap' }, el('table', {},
        el('caption', { class: 'visually-hidden' }, t('The towns of {country}', { country: countryName(country) })),
        el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, ...rows))));
  }));
}

async function start() {
  try {
    await i18n.load();
    await render();
    document.addEventListener('ost-language', () => render().catch((error) => { $('network-line').textContent = error.message; }));
  } catch (error) {
    $('network-line').textContent = error.message;
  }
}

document.addEventListener('DOMContentLoaded', start);

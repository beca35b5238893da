// One Small Town dashboard: the businesses — found by name, filtered by phase or by what the account on view may
// buy, ordered, a page at a time; each with its raise against its goal and minimum, and Settle once closed.
import { $, count, el, i18n, t, tn, units } from './common.js';
import { acting, openPhases, state } from './state.js';
import { documentLinks } from './record.js';
import { finalize } from './wallet.js';

// Businesses a page shows (a town lists 50 to 100): 20 on a wide screen, 10 on a phone, where each is a card.
const pageSize = () => (window.matchMedia('(max-width: 40rem)').matches ? 10 : 20);

function timeLeft(seconds) {
  if (seconds === null || seconds === undefined) return t('closed');
  const days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return days ? t('{days} d {hours} h', { days: count(days), hours: count(hours) })
    : t('{hours} h {minutes} min', { hours: count(hours), minutes: count(minutes) });
}

// Whether the account on view may buy a business's shares now, by its tier and the sale's phase (the buy form
// asks the bridge before anything is sent, which also knows the caps).
function mayBuyNow(b) {
  const view = state.view;
  if (!view || view.recoveredTo || !openPhases().includes(b.phase)) return false;
  return openPhases().indexOf(view.tier) <= openPhases().indexOf(b.phase);
}

const stage = (b) => (openPhases().includes(b.phase) ? 0 : b.phase === 'pending' ? 1 : 2);

// The order the list is read in: by number, by name, soonest-ending first, or by the share of the goal raised.
const ORDERS = {
  number: (a, b) => a.id - b.id,
  name: (a, b) => a.name.localeCompare(b.name, i18n.lang),
  // Open sales by the end of their phase, then those not open yet (by when they open), then the closed ones.
  ending: (a, b) => stage(a) - stage(b) || (a.phaseEndsIn ?? Infinity) - (b.phaseEndsIn ?? Infinity) || a.id - b.id,
  raised: (a, b) => (b.offered ? b.sold / b.offered : 0) - (a.offered ? a.sold / a.offered : 0) || a.id - b.id,
};

// Find a business by name or symbol; show only those open now, not open yet, closed, or open to this account;
// in the order chosen, a page at a time.
export function applyFilter(event) {
  if (event && event.target && event.target.closest && event.target.closest('#filter')) state.page = 0;
  const text = $('filter-text').value.trim().toLowerCase();
  const which = $('filter-phase').value;
  const closed = state.config.enums.closedPhases;
  const fits = state.businesses.filter((b) => {
    const phaseFits = which === 'all' || (which === 'open' && !closed.includes(b.phase) && b.phase !== 'pending') ||
      (which === 'pending' && b.phase === 'pending') || (which === 'closed' && closed.includes(b.phase)) ||
      (which === 'mine' && mayBuyNow(b));
    return phaseFits && (!text || b.name.toLowerCase().includes(text) || b.symbol.toLowerCase().includes(text));
  }).sort(ORDERS[$('filter-order').value] || ORDERS.number);
  const size = pageSize();
  const pages = Math.max(1, Math.ceil(fits.length / size));
  state.page = Math.min(state.page, pages - 1);
  const onPage = fits.slice(state.page * size, (state.page + 1) * size);
  const body = $('businesses').tBodies[0];
  const shown = new Set(onPage.map((b) => String(b.id)));
  const rest = [...body.rows].filter((tr) => !shown.has(tr.dataset.business));
  for (const tr of rest) tr.hidden = true;
  const rows = onPage.map((b) => body.querySelector(`tr[data-business="${b.id}"]`));
  for (const tr of rows) tr.hidden = false;
  body.append(...rows, ...rest); // the page's rows first, in the chosen order
  $('filter-count').textContent = fits.length ? tn('{shown} of {total} business shown', '{shown} of {total} businesses shown',
    state.businesses.length, { shown: count(fits.length), total: count(state.businesses.length) })
    : t('No business matches: change the search or choose "every business".');
  $('page-line').textContent = t('Page {page} of {pages}', { page: count(state.page + 1), pages: count(pages) });
  $('page-previous').disabled = state.page === 0;
  $('page-next').disabled = state.page >= pages - 1;
  $('paging').hidden = pages === 1;
}

export function turnPage(step) {
  state.page += step;
  applyFilter();
  $('businesses').scrollIntoView({ block: 'start' });
}

export function renderBusinesses() {
  const rows = state.businesses.map((b) => {
    const tr = document.createElement('tr');
    tr.dataset.business = b.id;
    const percent = (n) => b.offered ? Math.min(100, (100 * n) / b.offered) : 0;
    const closed = state.config.enums.closedPhases.includes(b.phase);
    const fill = el('div', { class: 'fill' });
    fill.style.width = `${percent(b.sold)}%`;
    const minimum = el('div', { class: 'minimum' });
    minimum.style.insetInlineStart = `${percent(b.minimum)}%`;
    const bar = el('div', {
      class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(b.offered),
      'aria-valuenow': String(b.sold),
      'aria-label': t('{sold} of {offered} shares sold, {minimum} needed',
        { sold: count(b.sold), offered: count(b.offered), minimum: count(b.minimum) }),
    }, fill, minimum);
    const money = (shares) => `${units(BigInt(b.price) * BigInt(shares), b.assetDecimals)} ${b.assetSymbol}`;
    const sold = t('{raised} raised of {goal}; at least {minimum} needed', {
      raised: money(b.sold), goal: money(b.offered), minimum: money(b.minimum),
    }) + ' · ' + t('{sold} sold · {minimum} needed · {offered} offered',
      { sold: count(b.sold), minimum: count(b.minimum), offered: count(b.offered) });
    tr.append(
      el('td', { 'data-label': '#' }, String(b.id)),
      el('td', { 'data-label': t('Business') }, el('strong', { dir: 'auto' }, b.name), ' ', el('span', { class: 'muted' }, b.symbol),
        documentLinks(b)),
      el('td', { 'data-label': t('Phase') }, el('span', { class: `phase phase-${b.phase}` }, t(b.phase)),
        b.finalized ? ' ' + t('(settled)') : ''),
      el('td', { 'data-label': t('Raised') }, bar, el('span', { class: 'bar-label' }, sold)),
      el('td', { 'data-label': t('Price') }, `${units(b.price, b.assetDecimals)} ${b.assetSymbol}`),
      el('td', { 'data-label': t('Time left') }, b.phase === 'pending' && b.phaseEndsIn !== null
        ? t('opens {date}', { date: i18n.date(Math.floor(Date.now() / 1000) + b.phaseEndsIn) })
        : timeLeft(b.phaseEndsIn)),
      el('td', { 'data-label': t('Who may buy now') }, t(b.whoMayBuy)),
      el('td', {}),
    );
    if (closed && !b.finalized) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = t('Settle {symbol}', { symbol: b.symbol });
      button.addEventListener('click', acting(() => finalize(b)));
      tr.lastElementChild.append(button);
    }
    return tr;
  });
  $('businesses').tBodies[0].replaceChildren(...rows);
  applyFilter();
  const select = $('buy-business');
  const chosen = select.value;
  select.replaceChildren(...state.businesses.map((b) => new Option(`#${b.id} ${b.name} (${b.symbol}) — ${t(b.phase)}`, b.id)));
  if (chosen) select.value = chosen;
}


// One Small Town dashboard: reads the town from the bridge and draws it; its record (record.js) and the wallet
// (wallet.js) are scripts of their own, loaded before this one.
'use strict';

// Shared with the network page (common.js): $, t, N_, api, el, units, count, short, countryName.
const state = {
  config: null, account: null, block: null, businesses: [], view: null, viewing: null, busy: false, page: 0,
};
// Businesses a page shows (a town lists 50 to 100): 20 on a wide screen, 10 on a phone, where each is a card.
const pageSize = () => (window.matchMedia('(max-width: 40rem)').matches ? 10 : 20);

// The chain's coin, by the name the town gives it ("ETH" on the development chain).
function coin() { return state.config.chain.nativeCurrency.symbol; }

function timeLeft(seconds) {
  if (seconds === null || seconds === undefined) return t('closed');
  const days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return days ? t('{days} d {hours} h', { days: count(days), hours: count(hours) })
    : t('{hours} h {minutes} min', { hours: count(hours), minutes: count(minutes) });
}

// What the page says about the last thing done: in a bar at the foot of the screen, seen wherever the reader is
// (on a phone the account is at the top and the list far below); an empty message takes the bar away.
function say(message, tone = '') {
  const status = $('status');
  status.textContent = message;
  status.className = 'status ' + tone;
  $('status-close').hidden = !message;
  // The page keeps the bar's height free at its end, so nothing stays under it.
  document.documentElement.style.setProperty('--status-height', message ? `${status.offsetHeight}px` : '0px');
}

async function refresh() {
  const [town, businesses, activity, plan, pictures] = await Promise.all([api('/v1/town'), api('/v1/businesses'),
    api('/v1/activity'), api('/v1/town/plan'), api('/v1/pictures')]);
  state.block = town.block;
  state.businesses = businesses;
  $('town-name').textContent = town.town;
  $('town-line').textContent = townLine(town);
  $('town-line').title = t('chain {id}, block {block}', { id: town.chainId, block: count(town.block) });
  $('members').textContent = count(town.members);
  $('issued').textContent = units(town.infinityIssued, 18) + ' INF';  // every INF minted: the weekly bars' sum
  $('circulating').textContent = units(town.infinityInCirculation, 18) + ' INF';  // less what baskets burned
  // Profit in each coin the town shared it in, each in its own units ("1.5 ETH, 200 USDC").
  const inCoins = (key) => activity.profit.map((p) => `${units(p[key], p.decimals)} ${p.symbol}`).join(', ');
  $('deposited').textContent = inCoins('deposited');
  $('claimed').textContent = inCoins('claimed');
  renderBusinesses();
  renderPlan(plan);
  state.pictures = pictures;
  renderPictures();
  renderRewards(activity.rewards);
  if (state.viewing) await showAccount(state.viewing);
}

// The town in words: "Prince Albert, South Africa · launched 3 March 2026".
function townLine(town) {
  const country = countryName(town.country);
  const launched = town.launched && town.launchedAt
    ? t('launched {date}', { date: window.i18n.date(town.launchedAt, 'long') }) : t('not launched yet');
  return `${town.town}, ${country} · ${launched}`;
}

// An address in the page's address: /?address=0x… or /m/0x… opens on that account (a bookmark, a printed card).
function addressInUrl() {
  const path = location.pathname.match(/^\/m\/([^/]+)$/); // a damaged link too: the bridge says what is wrong
  if (!path) return new URLSearchParams(location.search).get('address');
  try { return decodeURIComponent(path[1]); } catch (e) { return path[1]; } // a torn %-escape: as it stands
}

function keepInUrl(address) {
  if (location.pathname.startsWith('/m/')) return;
  history.replaceState(null, '', `/?address=${address}`);
}

// Whether the account on view may buy a business's shares now, by its tier and the sale's phase (the buy form
// asks the bridge before anything is sent, which also knows the caps).
// The open phases, in order, as the bridge serves them from the contracts' enum (a tier buys in its own and later).
const openPhases = () => state.config.enums.openPhases;
function mayBuyNow(b) {
  const view = state.view;
  if (!view || view.recoveredTo || !openPhases().includes(b.phase)) return false;
  return openPhases().indexOf(view.tier) <= openPhases().indexOf(b.phase);
}

const stage = (b) => (openPhases().includes(b.phase) ? 0 : b.phase === 'pending' ? 1 : 2);

// The order the list is read in: by number, by name, soonest-ending first, or by the share of the goal raised.
const ORDERS = {
  number: (a, b) => a.id - b.id,
  name: (a, b) => a.name.localeCompare(b.name, window.i18n.lang),
  // Open sales by the end of their phase, then those not open yet (by when they open), then the closed ones.
  ending: (a, b) => stage(a) - stage(b) || (a.phaseEndsIn ?? Infinity) - (b.phaseEndsIn ?? Infinity) || a.id - b.id,
  raised: (a, b) => (b.offered ? b.sold / b.offered : 0) - (a.offered ? a.sold / a.offered : 0) || a.id - b.id,
};

// Find a business by name or symbol; show only those open now, not open yet, closed, or open to this account;
// in the order chosen, a page at a time.
function applyFilter(event) {
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

function turnPage(step) {
  state.page += step;
  applyFilter();
  $('businesses').scrollIntoView({ block: 'start' });
}

function renderBusinesses() {
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
        ? t('opens {date}', { date: window.i18n.date(Math.floor(Date.now() / 1000) + b.phaseEndsIn) })
        : timeLeft(b.phaseEndsIn)),
      el('td', { 'data-label': t('Who may buy now') }, t(b.whoMayBuy)),
      el('td', {}),
    );
    if (closed && !b.finalized) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = t('Settle {symbol}', { symbol: b.symbol });
      button.addEventListener('click', () => finalize(b));
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

// The account's section says it is being read (aria-busy) until every part of it is drawn: assistive technology
// waits for the whole of it, and nothing moves under a reader's finger without that being said. Draws may overlap
// (a look-up while a new block redraws): the section is busy while any is under way, and only the latest one asked
// for draws at all, so a slow read of the account before never paints over the one asked for since.
// `go` takes the reader to it (a look-up, a bookmarked link), before the section stops being busy.
let drawing = 0;
let latestDraw = 0;

async function showAccount(address, { go = false } = {}) {
  const draw = ++latestDraw;
  drawing += 1;
  $('me').setAttribute('aria-busy', 'true');
  try {
    await drawAccount(address, () => draw !== latestDraw);
    if (go && draw === latestDraw) $('me').scrollIntoView({ block: 'start' }); // the account at the top
  } finally {
    drawing -= 1;
    if (drawing === 0) $('me').removeAttribute('aria-busy');
  }
}

// `stale`: whether a later draw was asked for since this one began (this one then stops where it is).
async function drawAccount(address, stale) {
  const view = await api(`/v1/members/${encodeURIComponent(address)}`); // never another path of the bridge
  if (stale()) return;
  state.viewing = address;
  state.view = view;
  $('me').hidden = false;
  const mine = state.account && state.account.toLowerCase() === view.address.toLowerCase();
  $('me-title').textContent = mine ? t('Your town account') : t('Account {address}', { address: short(view.address) });
  const facts = { address: view.address, inf: units(view.infinity, 18), meals: count(view.meals), tier: t(view.tier) };
  $('me-line').textContent = view.recoveredTo
    ? t('{address} lost its wallet: everything it held moved to {to}, and it is no longer used.',
      { address: view.address, to: view.recoveredTo })
    : view.member
      ? tn('{address} is a member ({tier} tier): {inf} INF, {meals} meal from the community kitchen.',
        '{address} is a member ({tier} tier): {inf} INF, {meals} meals from the community kitchen.', view.meals, facts)
      : tn('{address} is not a member ({tier} tier): {inf} INF, {meals} meal from the community kitchen.',
        '{address} is not a member ({tier} tier): {inf} INF, {meals} meals from the community kitchen.', view.meals, facts);
  const shares = $('me-shares');
  shares.replaceChildren(...view.shares.map((s) => {
    const li = document.createElement('li');
    li.dataset.symbol = s.symbol;
    const business = state.businesses.find((b) => b.id === s.businessId);
    li.textContent = business
      ? tn('{shares} share of {name} ({symbol}), worth {value} at the sale price ({phase})',
        '{shares} shares of {name} ({symbol}), worth {value} at the sale price ({phase})', s.shares, {
        shares: count(s.shares), name: business.name, symbol: s.symbol, phase: t(s.phase),
        value: `${units(BigInt(business.price) * BigInt(s.shares), business.assetDecimals)} ${business.assetSymbol}`,
      })
      : `${count(s.shares)} ${s.symbol} (#${s.businessId}, ${t(s.phase)})`;
    return li;
  }));
  if (!view.shares.length) shares.replaceChildren(el('li', {}, t('No shares.')));
  const claimable = view.claimable[state.config.native] || '0';
  // Every asset the town shares profit in, each in its own units; the native coin's with the Claim button.
  const others = Object.entries(view.claimable).filter(([asset, amount]) =>
    asset.toLowerCase() !== state.config.native.toLowerCase() && amount !== '0');
  $('me-claimable').textContent = [`${units(claimable, 18)} ${coin()}`,
    ...others.map(([asset, amount]) => `${units(amount, assetOf(asset).decimals)} ${assetOf(asset).symbol}`)].join(', ');
  $('me-claim-others').replaceChildren(...(mine ? others : []).map(([asset, amount]) => {
    const button = el('button', { type: 'button', class: 'secondary' },
      t('Claim {amount}', { amount: `${units(amount, assetOf(asset).decimals)} ${assetOf(asset).symbol}` }));
    button.addEventListener('click', () => send(t('Claim {amount}', { amount: assetOf(asset).symbol }),
      state.config.contracts.ProfitDistributor, calldata.claim(asset)));
    return button;
  }));
  $('claim').disabled = !mine || claimable === '0';
  $('claim-why').textContent = !mine
    ? (state.account ? t('Only this address can claim its profit: connect its wallet.') : t('Connect this address\'s wallet to claim.'))
    : (claimable === '0' ? t('Nothing to claim as a member now.') : '');
  const investor = $('me-investor');
  investor.replaceChildren(...view.claimableAsInvestor.map((p) => {
    const li = document.createElement('li');
    const asset = assetOf(p.asset);
    const business = state.businesses.find((b) => b.id === p.businessId);
    li.textContent = t('{amount} claimable as an investor in {name}', {
      amount: `${units(p.amount, asset.decimals)} ${asset.symbol}`, name: business ? business.name : p.symbol,
    }) + ' ';
    if (mine) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = t('Claim from {symbol}', { symbol: p.symbol });
      button.addEventListener('click', () => claimAsInvestor(p));
      li.append(button);
    }
    return li;
  }));
  const refunds = $('me-refunds');
  refunds.replaceChildren(...view.refundsDue.map((r) => {
    const li = document.createElement('li');
    const business = state.businesses.find((b) => b.id === r.businessId);
    li.textContent = t('{amount} from {name}', {
      amount: `${units(r.amount, business ? business.assetDecimals : 18)} ${business ? business.assetSymbol : ''}`,
      name: business ? business.name : `#${r.businessId}`,
    }) + ' ';
    if (mine) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = t('Take refund');
      button.addEventListener('click', () => refund(r.businessId));
      li.append(button);
    }
    return li;
  }));
  if (!view.refundsDue.length) refunds.replaceChildren(el('li', {}, t('None.')));
  $('filter-mine').disabled = false; // "open to this account now" now has an account to go by
  applyFilter();
  const history = await api(`/v1/members/${encodeURIComponent(address)}/history`);
  if (stale()) return;
  renderHistory(history);
  await showQuota(mine).catch(() => { /* the quota line is a courtesy: the page works without it */ });
}

function renderHistory(entries) {
  const line = (h) => {
    const when = window.i18n.date(h.time);
    const business = state.businesses.find((b) => b.id === h.businessId);
    const money = (amount, asset) => {
      if (asset === 'INF') return `${units(amount, 18)} INF`;
      const a = assetOf(asset);
      return `${units(amount, a.decimals)} ${a.symbol}`;
    };
    const paid = business ? `${units(h.amount || '0', business.assetDecimals)} ${business.assetSymbol}` : h.amount;
    const name = business ? business.name : (h.symbol || '#' + h.businessId);
    const words = {
      reward: [N_('{when}: earned {amount} for {time} on {project}'),
        { amount: money(h.amount, 'INF'), time: worked(h.minutes || 0), project: h.projectName }],
      basket: [N_('{when}: took a basket for {amount} ({basket})'), { amount: money(h.amount, 'INF'), basket: h.basket }],
      claim: [N_('{when}: claimed {amount} of profit as a member'), { amount: h.asset && money(h.amount, h.asset) }],
      'investor-claim': [N_('{when}: claimed {amount} of profit as an investor in {name}'),
        { amount: h.asset && money(h.amount, h.asset), name }],
    }[h.kind];
    const trade = { when, shares: count(h.shares || 0), name, paid };
    if (h.kind === 'purchase') {
      return tn('{when}: bought {shares} share of {name} for {paid}', '{when}: bought {shares} shares of {name} for {paid}',
        h.shares || 0, trade);
    }
    if (h.kind === 'refund') {
      return tn('{when}: refunded {paid} for {shares} share of {name}', '{when}: refunded {paid} for {shares} shares of {name}',
        h.shares || 0, trade);
    }
    return t(words[0], { when, ...words[1] });
  };
  const list = $('me-history');
  list.replaceChildren(...entries.map((h) => el('li', { 'data-kind': h.kind }, line(h))));
  if (!entries.length) list.replaceChildren(el('li', {}, t('Nothing yet.')));
}

// ── start ──

async function start() {
  try {
    await window.i18n.load();
    state.config = await api('/v1/config');
    await refresh();
    document.addEventListener('ost-language', () => {
      say(''); // said in the language before: the next action says it in this one
      refresh().catch((error) => say(error.message, 'bad'));
    });
  } catch (error) {
    say(error.message, 'bad');
  }
  $('connect').addEventListener('click', connect);
  $('status-close').addEventListener('click', () => say(''));
  $('buy').addEventListener('submit', buy);
  $('filter').addEventListener('input', applyFilter);
  $('page-previous').addEventListener('click', () => turnPage(-1));
  $('page-next').addEventListener('click', () => turnPage(1));
  $('chart-business').addEventListener('change', renderPictures);
  $('filter').addEventListener('submit', (event) => event.preventDefault());
  $('claim').addEventListener('click', claim);
  $('lookup').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const address = $('lookup-address').value.trim();
      await showAccount(address, { go: true });
      keepInUrl(address);
      say(''); // what was said about an earlier look-up no longer holds
    } catch (error) { say(error.message, 'bad'); }
  });
  const bookmarked = addressInUrl();
  if (bookmarked) {
    try { await showAccount(bookmarked, { go: true }); } catch (error) { say(error.message, 'bad'); }
  }
  // Follow the chain: when a new block appears, read everything again.
  setInterval(async () => {
    try {
      const town = await api('/v1/town');
      if (town.block !== state.block && !state.busy) await refresh();
    } catch (error) { /* the bridge says why on the next successful read */ }
  }, 2000);
}

document.addEventListener('DOMContentLoaded', start);

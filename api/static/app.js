// One Small Town dashboard: reads the town from the bridge, acts through an injected EIP-1193 wallet.
// No framework and no package: every call is a few bytes of ABI built here from the bridge's selectors.
'use strict';

// Shared with the network page (common.js): $, t, api, el, units, count, short, countryName.
// Marks a sentence for the catalogs where it is written apart from where it is said (a table): t() says it then,
// in the reader's language at that moment.
const N_ = (sentence) => sentence;
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

// ── the launch on record: documents checked here, against the SHA-256 the town published on chain ──

const DOCUMENT_NAMES = { business_plan: N_('Business plan'), investor_pack: N_('Investor pack') };
const checked = new Map(); // sha256 → 'matches' | 'differs' | 'unreachable'

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function documentLinks(b) {
  const links = Object.entries(b.documents || {}).map(([kind, d]) => {
    const note = el('span', { class: 'doc-check muted', 'data-sha256': d.sha256 }, t('checking…'));
    const fetchable = d.uri.startsWith('/v1/documents/'); // the page may fetch from its own bridge only
    const link = el('a', { href: d.uri, rel: 'noopener' },
      t('{document} (version {version})', { document: t(DOCUMENT_NAMES[kind] || kind), version: count(d.version) }));
    if (!fetchable) note.textContent = t('published by its SHA-256 {hash}…: compare what you fetch', { hash: d.sha256.slice(0, 12) });
    else verifyDocument(d, note);
    return el('span', { class: 'doc' }, link, ' ', note);
  });
  return links.length ? el('div', { class: 'docs' }, ...links) : '';
}

async function verifyDocument(d, note) {
  if (!checked.has(d.sha256)) {
    checked.set(d.sha256, (async () => {
      try {
        const response = await fetch(d.uri);
        if (!response.ok) return 'unreachable';
        return (await sha256Hex(await response.arrayBuffer())) === d.sha256 ? 'matches' : 'differs';
      } catch (error) { return 'unreachable'; }
    })());
  }
  const verdict = await checked.get(d.sha256);
  note.className = `doc-check ${verdict === 'matches' ? 'good' : 'bad'}`;
  note.textContent = t({
    matches: N_('✓ this document matches what the town published'),
    differs: N_('✗ this document does NOT match what the town published: do not rely on it'),
    unreachable: N_('✗ this document cannot be fetched now'),
  }[verdict]);
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

// ── the town in pictures: drawn by Chart.js (from npm, served by the bridge), each with a sentence that says the
// same; series told apart by line and marker, not by colour alone ──

const charts = {};
window.ostCharts = charts;

function draw(id, config, sentence) {
  if (!$(id)) { // its figure: a canvas and the sentence that says what it shows, in the order drawn
    $('pictures').append(el('figure', {}, el('canvas', { id, role: 'img' }), el('figcaption', { id: `${id}-text` })));
  }
  $(`${id}-text`).textContent = sentence;
  $(id).setAttribute('aria-label', sentence);
  if (!window.Chart) return; // no library: the sentence says it all
  if (charts[id]) charts[id].destroy();
  charts[id] = new window.Chart($(id), {
    ...config,
    // From zero: one point must not get a made-up scale around it (57 to 63 members around 60).
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } }, ...config.options },
  });
}

function renderPictures() {
  const p = state.pictures;
  const dates = (points) => points.map((x) => window.i18n.date(Math.floor(Date.parse(x.date || x.week) / 1000)));
  // A sale's raise over time, one line per phase.
  const picker = $('chart-business');
  const raised = Object.keys(p.raises).map(Number);
  const chosen = raised.includes(Number(picker.value)) ? Number(picker.value) : raised[0];
  picker.replaceChildren(...raised.map((id) => new Option(state.businesses.find((b) => b.id === id)?.name || `#${id}`, id)));
  if (chosen !== undefined) picker.value = String(chosen);
  const points = chosen === undefined ? [] : p.raises[String(chosen)];
  const phases = openPhases();
  const styles = { local: ['circle', []], country: ['triangle', [6, 4]], world: ['rect', [2, 3]] };
  const business = state.businesses.find((b) => b.id === chosen);
  draw('chart-raise', {
    type: 'line',
    data: {
      labels: dates(points),
      datasets: phases.map((phase, n) => ({
        label: t(phase), pointStyle: (styles[phase] || ['rectRot'])[0], borderDash: (styles[phase] || [[n, 2]])[1],
        pointRadius: 5, spanGaps: false,
        data: points.map((x) => (x.phase === phase ? x.sold : null)),
      })),
    },
  }, points.length
    ? tn('Raise of {name}: {sold} share sold by {date}, in the {phase} phase.',
      'Raise of {name}: {sold} shares sold by {date}, in the {phase} phase.', points[points.length - 1].sold, {
      name: business ? business.name : `#${chosen}`, sold: count(points[points.length - 1].sold),
      date: dates(points).pop(), phase: t(points[points.length - 1].phase),
    })
    : t('No share has been bought yet.'));
  // INF issued per week.
  const weeks = p.infPerWeek;
  draw('chart-inf', {
    type: 'bar',
    data: { labels: dates(weeks), datasets: [{ label: t('INF issued per week'), data: weeks.map((w) => Number(BigInt(w.amount) / 10n ** 16n) / 100) }] },
  }, weeks.length
    ? t('INF issued per week: {weeks}.', { weeks: weeks.map((w, i) => `${dates(weeks)[i]} ${units(w.amount, 18)} INF`).join('; ') })
    : t('No INF has been issued yet.'));
  // Profit deposited and claimed, over time.
  const money = p.profit;
  const eth = (v) => Number(BigInt(v) / 10n ** 12n) / 1e6;
  draw('chart-profit', {
    type: 'line',
    data: {
      labels: dates(money),
      datasets: [
        { label: t('deposited'), pointStyle: 'circle', data: money.map((m) => eth(m.deposited)) },
        { label: t('claimed'), pointStyle: 'triangle', borderDash: [6, 4], data: money.map((m) => eth(m.claimed)) },
      ],
    },
  }, money.length
    ? t('Profit: {deposited} deposited and {claimed} claimed by {date}.', {
      deposited: `${units(money[money.length - 1].deposited, 18)} ${coin()}`,
      claimed: `${units(money[money.length - 1].claimed, 18)} ${coin()}`,
      date: dates(money).pop(),
    })
    : t('No profit has been deposited yet.'));
  // Members over time.
  const members = p.members;
  draw('chart-members', {
    type: 'line',
    data: { labels: dates(members), datasets: [{ label: t('Members'), stepped: true, data: members.map((m) => m.count) }] },
  }, members.length
    ? t('Members: {count} on {date}.', { count: count(members[members.length - 1].count), date: dates(members).pop() })
    : t('No member yet.'));
}

function renderPlan(plan) {
  const list = $('plan');
  if (!plan.milestones.length) {
    $('plan-line').textContent = t('The town has not published its 12-month plan yet.');
    list.replaceChildren();
    return;
  }
  $('plan-line').textContent = plan.matches
    ? t('Published on chain (version {version}); each step below says whether the chain shows it done.',
      { version: count(plan.version) })
    : t('This plan is not the one published on chain.');
  // What the chain can tell: businesses listed (done), shifts worked on a milestone's projects (under way — a roof
  // fixed is for people to see, not the chain); the plan's own words as the ambassador wrote them (<bdi>).
  const stands = (m) => {
    const said = [];
    if (m.done !== null) said.push(m.done ? t('✓ done') : t('… not yet'));
    const part = (m.projectsWorked || []).length;
    if (m.underWay !== null) {
      said.push(m.underWay ? t('✓ under way: shifts worked on it')
        : part ? t('… partly under way: shifts worked on {worked} of {total}',
          { worked: count(part), total: count(m.projects.length) })
          : t('… no shift worked on it yet'));
    }
    return said.length ? said.join('; ') : t('not known from the chain');
  };
  list.replaceChildren(...plan.milestones.map((m) => el('li', {}, el('strong', {}, t('Month {month}: ', { month: count(m.month) })),
    el('bdi', {}, m.what), ' ', el('span', { class: m.done || m.underWay ? 'good' : 'muted' }, `(${stands(m)})`))));
}

// The latest rewards in words: "25 Nov 2026: 0x2546…Ec30 earned 1 INF for 3 hours on Clean the river".
function renderRewards(rewards) {
  const list = $('rewards');
  list.replaceChildren(...rewards.map((r) => {
    const member = el('a', { href: `/m/${r.member}`, title: r.member }, short(r.member));
    const words = t('{when}: {member} earned {amount} for {time} on {project}', {
      when: window.i18n.date(r.time), member: '\u0000', amount: `${units(r.amount, 18)} INF`,
      time: worked(r.minutes), project: r.projectName,
    }).split('\u0000');
    return el('li', {}, words[0], member, words.slice(1).join(''));
  }));
  if (!rewards.length) list.replaceChildren(el('li', {}, t('No rewards yet.')));
}

// Minutes worked in words, each number with its noun as the language says it: "3 hours", "1 hour 30 minutes".
function worked(minutes) {
  const hours = Math.floor(minutes / 60), rest = minutes % 60;
  const h = tn('{hours} hour', '{hours} hours', hours, { hours: count(hours) });
  const m = tn('{minutes} minute', '{minutes} minutes', rest, { minutes: count(rest) });
  if (!hours) return m;
  return rest ? t('{hours} {minutes}', { hours: h, minutes: m }) : h;
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
      state.config.contracts.ProfitDistributor, state.config.selectors.claim + addressWord(asset)));
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

// ── the wallet ──

function wallet() {
  if (!window.ethereum) throw new Error(t('No wallet found: install MetaMask or open this page in a wallet\'s browser.'));
  return window.ethereum;
}

async function connect() {
  try {
    const [account] = await wallet().request({ method: 'eth_requestAccounts' });
    const chainId = parseInt(await wallet().request({ method: 'eth_chainId' }), 16);
    state.account = account;
    $('account').textContent = t('Connected: {account}', { account });
    $('connect').dataset.i18n = 'Connected';
    $('connect').textContent = t('Connected');
    if (chainId !== state.config.chainId) await toTownChain(chainId);
    await showAccount(account);
    keepInUrl(account);
  } catch (error) {
    say(error.message, 'bad');
  }
}

// Ask the wallet to switch to the town's chain; a wallet that does not know it yet (error 4902) is asked to add
// it (EIP-3085) with the public address the town gives, if any; if neither works, say what to do.
async function toTownChain(chainId) {
  const id = '0x' + state.config.chainId.toString(16);
  try {
    await rpc('wallet_switchEthereumChain', [{ chainId: id }]);
    return true;
  } catch (error) {
    const unknown = error && (error.code === 4902 || (error.data && error.data.originalError && error.data.originalError.code === 4902));
    if (unknown && state.config.chain.rpcUrls.length) {
      try {
        await rpc('wallet_addEthereumChain', [{ chainId: id, ...state.config.chain }]);
        return true;
      } catch (e) { /* refused: say so below */ }
    }
  }
  say(t('Your wallet is on chain {chain}; this town lives on {town} (chain {id}). Switch networks in your wallet ' +
    'before sending anything.', { chain: chainId, town: state.config.chain.chainName, id: state.config.chainId }), 'warn');
  return false;
}

const word = (n) => BigInt(n).toString(16).padStart(64, '0');
const addressWord = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');

async function send(label, to, data, value = 0n) {
  if (state.busy) {
    say(t('Another transaction is still on its way: wait for it to finish, then try again.'), 'warn');
    return null;
  }
  if (!(await canPayFee(to, data, value))) {
    if (value === 0n && relayable(data)) return relay(label, to, data);
    if (value === 0n) {
      say(t('{action} needs coin for the network fee, which your wallet does not hold; the town pays only for ' +
        'members\' own actions (buying, refunds, claims).', { action: label }), 'warn');
      return null;
    }
    say(t('{action} needs {amount} and the network fee, more than your wallet holds.',
      { action: label, amount: `${units(value, 18)} ${coin()}` }), 'warn');
    return null;
  }
  state.busy = true;
  let receipt = null;
  try {
    const hash = await wallet().request({
      method: 'eth_sendTransaction',
      params: [{ from: state.account, to, data, value: '0x' + value.toString(16) }],
    });
    say(t('{action}: sent ({hash}), waiting for the chain to confirm…', { action: label, hash: short(hash) }));
    for (let i = 0; i < 240 && !receipt; i += 1) {
      receipt = await wallet().request({ method: 'eth_getTransactionReceipt', params: [hash] });
      if (!receipt) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (!receipt) throw new Error(t('{action}: not confirmed after two minutes; check your wallet.', { action: label }));
    const block = parseInt(receipt.blockNumber, 16);
    if (parseInt(receipt.status, 16) !== 1) {
      throw new Error(t('{action}: the transaction failed in block {block}.', { action: label, block }));
    }
    say(t('{action}: done in block {block}.', { action: label, block }), 'ok');
  } catch (error) {
    say(error.message || String(error), 'bad');
    receipt = null;
  } finally {
    state.busy = false;
  }
  if (receipt) await refresh().catch((error) => say(error.message, 'bad'));
  return receipt;
}

// ── members without coin for gas: sign instead of sending; the town's bridge relays it and pays the fee ──

const hex = (n) => '0x' + BigInt(n).toString(16);

// The page's calls the town's bridge relays for a member: the bridge says which (its registry of member actions).
function relayable(data) {
  return state.config.relayable.includes(data.slice(0, 10));
}

async function rpc(method, params) { return wallet().request({ method, params }); }

async function canPayFee(to, data, value) {
  const [balance, price] = await Promise.all([rpc('eth_getBalance', [state.account, 'latest']), rpc('eth_gasPrice', [])]);
  let gas = 300000n;
  try { gas = BigInt(await rpc('eth_estimateGas', [{ from: state.account, to, data, value: hex(value) }])); } catch (e) { /* keep the default */ }
  return BigInt(balance) >= gas * BigInt(price) + value;
}

async function chainTime() { return parseInt((await rpc('eth_getBlockByNumber', ['latest', false])).timestamp, 16); }

async function uintCall(to, data) { return BigInt(await rpc('eth_call', [{ to, data }, 'latest'])); }

// Signs the EIP-712 document `primaryType` (ForwardRequest, Permit) with the types the bridge serves: the page
// declares none of its own, so what it signs is what the bridge and the contracts check.
async function signTyped(primaryType, domain, message) {
  const all = state.config.forwarder.types;
  const types = { EIP712Domain: all.EIP712Domain, [primaryType]: all[primaryType] };
  const typed = { types, primaryType, domain: { version: '1', chainId: state.config.chainId, ...domain }, message };
  return rpc('eth_signTypedData_v4', [state.account, JSON.stringify(typed)]);
}

async function relay(label, to, data) {
  state.busy = true;
  let done = null;
  try {
    const forwarder = state.config.forwarder;
    const asForwarded = data + state.account.toLowerCase().slice(2);  // ERC-2771: the signer after the call
    let gas = 300000n;
    try { gas = BigInt(await rpc('eth_estimateGas', [{ from: forwarder.address, to, data: asForwarded }])) * 5n / 4n + 10000n; } catch (e) { /* keep the default */ }
    const nonce = await uintCall(forwarder.address, state.config.selectors.nonces + addressWord(state.account));
    const message = { from: state.account, to, value: '0', gas: gas.toString(), nonce: nonce.toString(), deadline: (await chainTime()) + 3600, data };
    say(t('{action}: your wallet holds no coin for the fee, so sign the request and the town\'s bridge sends it…', { action: label }));
    const signature = await signTyped('ForwardRequest', { name: forwarder.name, verifyingContract: forwarder.address },
      message);
    const response = await fetch('/v1/relay', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Accept-Language': window.i18n.lang },
      body: JSON.stringify({ ...message, signature }),
    });
    let relayed = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(`${label}: ${relayed.detail || t('The town\'s bridge answered {status}.', { status: response.status })}`);
    }
    say(t('{action}: sent through the town\'s bridge, waiting for the chain to confirm…', { action: label }));
    for (let i = 0; i < 240 && !['confirmed', 'failed'].includes(relayed.status); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      relayed = await api(`/v1/relay/${relayed.relayId}`);
    }
    if (relayed.status !== 'confirmed') {
      throw new Error(`${label}: ${relayed.reason || t('not confirmed after two minutes.')}`);
    }
    const quota = await api(`/v1/relay/quota/${state.account}`);
    say(t('{action}: done in block {block}; the town paid the fee.', { action: label, block: relayed.block }) +
      ` ${quota.sentence}`, 'ok');
    done = relayed;
  } catch (error) {
    say(error.message || String(error), 'bad');
  } finally {
    state.busy = false;
  }
  if (done) await refresh().catch((error) => say(error.message, 'bad'));
  return done;
}

// An ERC-2612 permit for the sale to take `cost` of the business's coin: the purchase's data with it.
async function buyWithPermit(business, shares, cost) {
  const [domain, nonce, now] = await Promise.all([permitDomain(business.asset),
    uintCall(business.asset, state.config.selectors.nonces + addressWord(state.account)), chainTime()]);
  const deadline = now + 3600;
  say(t('Sign in your wallet: the sale of {symbol} may take {amount}…',
    { symbol: business.symbol, amount: `${units(cost, business.assetDecimals)} ${business.assetSymbol}` }));
  const signature = await signTyped('Permit', { name: domain.name, version: domain.version, verifyingContract: business.asset },
  { owner: state.account, spender: business.sale, value: cost.toString(), nonce: nonce.toString(), deadline });
  const r = signature.slice(2, 66), s = signature.slice(66, 130), v = parseInt(signature.slice(130, 132), 16);
  return state.config.selectors.buyWithPermit + word(shares) + word(deadline) + word(v < 27 ? v + 27 : v) + r + s;
}

// The token's EIP-712 domain for permits: as it says (ERC-5267), else its name and version() (USDC: "2"), else "1".
async function permitDomain(token) {
  const call = (data) => rpc('eth_call', [{ to: token, data }, 'latest']);
  try {
    const domain = await call(state.config.selectors.eip712Domain);
    return { name: abiString(domain, 1), version: abiString(domain, 2) };
  } catch (e) { /* a token without ERC-5267 */ }
  const name = abiString(await call(state.config.selectors.name));
  let version = '1';
  try { version = abiString(await call(state.config.selectors.version)); } catch (e) { /* OpenZeppelin's: "1" */ }
  return { name, version };
}

// The string a call returned, or the one at head word `word` of a tuple it returned.
function abiString(result, word = 0) {
  const body = result.slice(2);
  const at = 2 * parseInt(body.slice(64 * word, 64 * word + 64), 16);
  const length = parseInt(body.slice(at, at + 64), 16);
  const bytes = body.slice(at + 64, at + 64 + 2 * length).match(/../g) || [];
  return new TextDecoder().decode(new Uint8Array(bytes.map((b) => parseInt(b, 16))));
}

async function showQuota(mine) {
  const line = $('me-gasless');
  line.hidden = true;
  if (!mine) return;
  const balance = BigInt(await rpc('eth_getBalance', [state.account, 'latest']));
  if (balance > 0n) return;
  const quota = await api(`/v1/relay/quota/${state.account}`);
  line.textContent = `${t('Your wallet holds no coin for fees: you sign, and the town pays.')} ${quota.sentence}`;
  line.hidden = false;
}

function needAccount() {
  if (state.account) return true;
  say(t('Connect your wallet first.'), 'warn');
  return false;
}

async function buy(event) {
  event.preventDefault();
  if (!needAccount()) return;
  const business = state.businesses.find((b) => b.id === Number($('buy-business').value));
  const shares = BigInt($('buy-shares').value || '0');
  if (!business || shares <= 0n) { say(t('Choose a business and at least one share.'), 'warn'); return; }
  const verdict = await api(`/v1/businesses/${business.id}/eligibility?address=${state.account}`);
  if (!verdict.eligible) {
    say(t('You cannot buy {symbol} now: {why}.', { symbol: business.symbol, why: verdict.sentence }), 'warn');
    return;
  }
  if (shares > BigInt(verdict.maxShares)) {
    say(t('You can buy at most {shares} {symbol} now.', { shares: count(verdict.maxShares), symbol: business.symbol }), 'warn');
    return;
  }
  const cost = shares * BigInt(business.price);
  const data = state.config.selectors.buy + word(shares);
  const buying = t('Buying {shares} {symbol}', { shares: count(shares), symbol: business.symbol });
  if (business.asset === state.config.native) {
    await send(buying, business.sale, data, cost);
    return;
  }
  const approve = state.config.selectors.approve + addressWord(business.sale) + word(cost);
  if (!(await canPayFee(business.asset, approve, 0n))) {
    await relay(buying, business.sale, await buyWithPermit(business, shares, cost));
    return;
  }
  const approved = await send(t('Allowing the sale to take {amount}', {
    amount: `${units(cost, business.assetDecimals)} ${business.assetSymbol}`,
  }), business.asset, state.config.selectors.approve + addressWord(business.sale) + word(cost));
  if (approved) await send(buying, business.sale, data);
}

async function finalize(business) {
  if (!needAccount()) return;
  await send(t('Settling {symbol}', { symbol: business.symbol }), business.sale, state.config.selectors.finalize);
}

async function refund(businessId) {
  const business = state.businesses.find((b) => b.id === businessId);
  if (business.phase !== state.config.enums.failedPhase) {
    say(t('{symbol} has not failed: there is nothing to refund.', { symbol: business.symbol }), 'warn');
    return;
  }
  await send(t('Refund from {symbol}', { symbol: business.symbol }), business.sale, state.config.selectors.refund);
}

async function claim() {
  if (!needAccount()) return;
  const claimable = BigInt((state.view && state.view.claimable[state.config.native]) || '0');
  if (claimable === 0n) { say(t('Nothing to claim yet: no profit has been shared since your last claim.'), 'warn'); return; }
  await send(t('Claiming {amount}', { amount: `${units(claimable, 18)} ${coin()}` }), state.config.contracts.ProfitDistributor,
    state.config.selectors.claim + addressWord(state.config.native));
}

// The decimals and symbol of an asset the town knows: the native coin, or a business's payment asset.
function assetOf(address) {
  if (address.toLowerCase() === state.config.native.toLowerCase()) return { decimals: 18, symbol: coin() };
  const business = state.businesses.find((b) => b.asset.toLowerCase() === address.toLowerCase());
  return business ? { decimals: business.assetDecimals, symbol: business.assetSymbol } : { decimals: 18, symbol: short(address) };
}

async function claimAsInvestor(part) {
  if (!needAccount()) return;
  const asset = assetOf(part.asset);
  await send(t('Claiming {amount} as an investor in {symbol}',
    { amount: `${units(part.amount, asset.decimals)} ${asset.symbol}`, symbol: part.symbol }),
    state.config.contracts.ProfitDistributor,
    state.config.selectors.claimAsInvestor + word(BigInt(part.businessId)) + addressWord(part.asset));
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

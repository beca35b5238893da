// One Small Town dashboard: an account — its INF, meals, shares, profit to claim, refunds due and history, with
// the buttons to act on them and the form to send INF or shares when it is the wallet's own.
import { $, api, count, el, i18n, short, t, tn, units, N_ } from './common.js';
import { acting, assetOf, coin, state } from './state.js';
import { applyFilter } from './businesses.js';
import { worked } from './record.js';
import { claim, claimAsInvestor, refund, showQuota } from './wallet.js';

// The account's section says it is being read (aria-busy) until every part of it is drawn: assistive technology
// waits for the whole of it, and nothing moves under a reader's finger without that being said. Draws may overlap
// (a look-up while a new block redraws): the section is busy while any is under way, and only the latest one asked
// for draws at all, so a slow read of the account before never paints over the one asked for since.
// `go` takes the reader to it (a look-up, a bookmarked link), before the section stops being busy.
let drawing = 0;
let latestDraw = 0;

// What the wallet's own account may send: its INF, and each business's shares it holds once they may move (the
// raise succeeded and was settled: its share token refuses before); shares that may not move yet are said so.
function drawSend(mine, view) {
  $('me-send').hidden = !mine || Boolean(view.recoveredTo); // a recovered address sends nothing
  if ($('me-send').hidden) return;
  const select = $('send-what');
  const chosen = select.value;
  const held = view.shares.filter((s) => BigInt(s.shares) > 0n).map((s) => {
    const business = state.businesses.find((b) => b.id === s.businessId);
    const values = { symbol: s.symbol, name: business ? business.name : `#${s.businessId}`, shares: count(s.shares) };
    const moves = Boolean(business && business.sharesMove);
    const option = new Option(moves ? t('{symbol} shares of {name} ({shares} held)', values)
      : t('{symbol} shares of {name}: they move once its raise has succeeded and is settled', values), String(s.businessId));
    option.disabled = !moves;
    return option;
  });
  select.replaceChildren(new Option(t('INF ({amount} held)', { amount: units(view.infinity, 18) }), 'INF'), ...held);
  if ([...select.options].some((o) => o.value === chosen && !o.disabled)) select.value = chosen;
}

export async function showAccount(address, { go = false } = {}) {
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
    button.addEventListener('click', acting(() => claim(asset)));
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
      button.addEventListener('click', acting(() => claimAsInvestor(p)));
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
      button.addEventListener('click', acting(() => refund(r.businessId)));
      li.append(button);
    }
    return li;
  }));
  if (!view.refundsDue.length) refunds.replaceChildren(el('li', {}, t('None.')));
  drawSend(mine, view);
  $('filter-mine').disabled = false; // "open to this account now" now has an account to go by
  applyFilter();
  const history = await api(`/v1/members/${encodeURIComponent(address)}/history`);
  if (stale()) return;
  renderHistory(history);
  await showQuota(mine).catch(() => { /* the quota line is a courtesy: the page works without it */ });
}

// What a basket was, as the chain records it: the phone's monthly basket is written there in English ("monthly basket
// 2026-12", ost_chain.member) and said here in the reader's words and month; any other is the member's own words.
export function basketName(item) {
  const month = /^monthly basket (\d{4})-(\d{2})$/.exec(item || '');
  if (!month) return item;
  const first = new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1));
  const said = new Intl.DateTimeFormat(i18n.lang, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(first);
  return t('the monthly basket of {month}', { month: said });
}

function renderHistory(entries) {
  const line = (h) => {
    const when = i18n.date(h.time);
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
      basket: [N_('{when}: took a basket for {amount} ({basket})'),
        { amount: money(h.amount, 'INF'), basket: basketName(h.basket) }],
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


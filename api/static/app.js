// One Small Town dashboard: reads the town from the bridge and has each part draw it — businesses.js, account.js,
// record.js — and wires the page's controls to them and to the wallet (wallet.js). The page's entry module.
import { $, api, count, countryName, i18n, t, tn, townRoot, units } from './common.js';
import { showAccount } from './account.js';
import { applyFilter, renderBusinesses, turnPage } from './businesses.js';
import { renderPictures, renderPlan, renderRewards } from './record.js';
import { acting, say, state } from './state.js';
import { buy, claim, connect, sendTokens } from './wallet.js';

// The town's parts, read side by side. The figures, the latest rewards and the pictures come from the bridge's index,
// which may read a new block between two of them: read again until all three are of one block, so "2 INF issued"
// never stands beside a list without that reward (three tries; a busy chain's next block reads it again anyway).
async function readTown() {
  let parts;
  for (let tries = 0; tries < 3; tries += 1) {
    parts = await Promise.all([api('/v1/town'), api('/v1/businesses'), api('/v1/activity'), api('/v1/town/plan'),
      api('/v1/pictures')]);
    const [town, , activity, , pictures] = parts;
    if (town.indexedBlock === activity.indexedBlock && town.indexedBlock === pictures.indexedBlock) break;
  }
  return parts;
}

async function refresh() {
  const [town, businesses, activity, plan, pictures] = await readTown();
  state.block = town.block;
  state.indexedBlock = town.indexedBlock;
  state.businesses = businesses;
  $('town-name').textContent = town.town;
  document.title = `${town.town} · One Small Town`;
  $('town-line').textContent = townLine(town);
  $('town-line').title = t('chain {id}, block {block}', { id: town.chainId, block: count(town.block) });
  // The figures and histories come from the bridge's index of the chain: said when it is behind.
  const behind = town.indexBehind || 0;
  $('index-line').hidden = behind === 0;
  $('index-line').textContent = behind ? tn('The figures are {count} block behind the chain: they catch up by themselves.',
    'The figures are {count} blocks behind the chain: they catch up by themselves.', behind, { count: count(behind) }) : '';
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
    ? t('launched {date}', { date: i18n.date(town.launchedAt, 'long') }) : t('not launched yet');
  return `${town.town}, ${country} · ${launched}`;
}

// An address in the page's address: /?address=0x… or /m/0x… opens on that account (a bookmark, a printed card).
function addressInUrl() {
  const path = location.pathname.slice(townRoot.length - 1).match(/^\/m\/([^/]+)$/); // a damaged one too: the bridge says
  if (!path) return new URLSearchParams(location.search).get('address');
  try { return decodeURIComponent(path[1]); } catch (e) { return path[1]; } // a torn %-escape: as it stands
}

function keepInUrl(address) {
  if (location.pathname.startsWith(`${townRoot}m/`)) return;
  history.replaceState(null, '', `${townRoot}?address=${address}`);
}

// ── start ──

async function start() {
  $('network-link').href = `${townRoot}network`; // the network page, seen from this town
  try {
    await i18n.load();
    state.config = await api('/v1/config');
    await refresh();
    document.addEventListener('ost-language', () => {
      say(''); // said in the language before: the next action says it in this one
      refresh().catch((error) => say(error.message, 'bad'));
    });
  } catch (error) {
    say(error.message, 'bad');
  }
  $('connect').addEventListener('click', async () => {
    try {
      const account = await connect();
      await showAccount(account);
      keepInUrl(account);
    } catch (error) { say(error.message, 'bad'); }
  });
  document.addEventListener('ost-changed', () => refresh().catch((error) => say(error.message, 'bad')));
  $('status-close').addEventListener('click', () => say(''));
  $('buy').addEventListener('submit', acting(buy));
  $('filter').addEventListener('input', applyFilter);
  $('page-previous').addEventListener('click', () => turnPage(-1));
  $('page-next').addEventListener('click', () => turnPage(1));
  $('chart-business').addEventListener('change', renderPictures);
  $('filter').addEventListener('submit', (event) => event.preventDefault());
  $('claim').addEventListener('click', acting(() => claim()));
  $('send').addEventListener('submit', acting(sendTokens));
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
      const moved = town.block !== state.block || town.indexedBlock !== state.indexedBlock;
      if (moved && !state.busy) await refresh();
    } catch (error) { /* the bridge says why on the next successful read */ }
  }, 2000);
}

document.addEventListener('DOMContentLoaded', start);

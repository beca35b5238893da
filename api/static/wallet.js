// One Small Town dashboard: the wallet — calls sent from an injected EIP-1193 wallet (each call's data encoded from
// the ABI the bridge serves: calldata.js), or, for a member without coin for gas, signed and relayed by the town's
// bridge; buying, finalizing, refunds, claims and sending INF or shares (app.js reads the town; account.js and
// businesses.js draw it).
import { $, amountFrom, api, count, i18n, inTown, short, t, tn, units } from './common.js';
import { address, decode, encode } from './calldata.js';
import { assetOf, changed, coin, say, state } from './state.js';

// ── the wallet ──

function wallet() {
  if (!window.ethereum) throw new Error(t('No wallet found: install MetaMask or open this page in a wallet\'s browser.'));
  return window.ethereum;
}

// The wallet's account, on the town's chain if the wallet can switch to it; app.js shows it.
export async function connect() {
  const [account] = await wallet().request({ method: 'eth_requestAccounts' });
  const chainId = parseInt(await wallet().request({ method: 'eth_chainId' }), 16);
  state.account = account;
  $('account').textContent = t('Connected: {account}', { account });
  $('connect').dataset.i18n = 'Connected';
  $('connect').textContent = t('Connected');
  if (chainId !== state.config.chainId) await toTownChain(chainId);
  return account;
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

// `work`, unless another transaction is on its way: from the first click, so a second one while the first is
// being checked sends nothing.
async function exclusively(work) {
  if (state.busy) {
    say(t('Another transaction is still on its way: wait for it to finish, then try again.'), 'warn');
    return null;
  }
  state.busy = true;
  try {
    return await work();
  } finally {
    state.busy = false;
  }
}

// Send a call from the wallet, or have the town's bridge relay it for a wallet without coin for the fee.
export function send(label, to, data, value = 0n) { return exclusively(() => sendNow(label, to, data, value)); }

async function sendNow(label, to, data, value) {
  const gas = await estimate(to, data, value);
  if (!(await canPayFee(gas, value))) {
    // The bridge tries the call as the forwarder will make it, and says why it would fail, if it would.
    if (value === 0n && relayable(data)) return await relay(label, to, data);
    if (value === 0n) {
      say(t('{action} needs coin for the network fee, which your wallet does not hold; the town pays only for ' +
        'members\' own actions (buying, refunds, claims).', { action: label }), 'warn');
      return null;
    }
    say(t('{action} needs {amount} and the network fee, more than your wallet holds.',
      { action: label, amount: `${units(value, 18)} ${coin()}` }), 'warn');
    return null;
  }
  if (gas === null) {
    say(t('{action} would fail on the chain now, so nothing was sent: check what you asked for, then try again.',
      { action: label }), 'bad');
    return null;
  }
  return await sendFromWallet(label, to, data, value);
}

async function sendFromWallet(label, to, data, value) {
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
  }
  if (receipt) changed();
  return receipt;
}

// ── members without coin for gas: sign instead of sending; the town's bridge relays it and pays the fee ──

const hex = (n) => '0x' + BigInt(n).toString(16);

// The page's calls the town's bridge relays for a member: the bridge says which (its registry of member actions).
function relayable(data) {
  return state.config.relayable.includes(data.slice(0, 10));
}

async function rpc(method, params) { return wallet().request({ method, params }); }

// The gas a call takes, as the wallet's node estimates it; null when the call would fail (it reverts).
async function estimate(to, data, value) {
  try {
    return BigInt(await rpc('eth_estimateGas', [{ from: state.account, to, data, value: hex(value) }]));
  } catch (error) {
    return null;
  }
}

// Whether the wallet holds the fee for `gas` (a call that would fail: for a usual one) and `value`.
async function canPayFee(gas, value) {
  const [balance, price] = await Promise.all([rpc('eth_getBalance', [state.account, 'latest']), rpc('eth_gasPrice', [])]);
  return BigInt(balance) >= (gas ?? 300000n) * BigInt(price) + value;
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
  let done = null;
  try {
    const forwarder = state.config.forwarder;
    const asForwarded = data + state.account.toLowerCase().slice(2);  // ERC-2771: the signer after the call
    let gas = 300000n;
    try { gas = BigInt(await rpc('eth_estimateGas', [{ from: forwarder.address, to, data: asForwarded }])) * 5n / 4n + 10000n; } catch (e) { /* keep the default */ }
    const nonce = await uintCall(forwarder.address, await encode('nonces', state.account));
    const message = { from: state.account, to, value: '0', gas: gas.toString(), nonce: nonce.toString(), deadline: (await chainTime()) + 3600, data };
    say(t('{action}: your wallet holds no coin for the fee, so sign the request and the town\'s bridge sends it…', { action: label }));
    const signature = await signTyped('ForwardRequest', { name: forwarder.name, verifyingContract: forwarder.address },
      message);
    const response = await fetch(inTown('/v1/relay'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Accept-Language': i18n.lang },
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
  }
  if (done) changed();
  return done;
}

// An ERC-2612 permit for the sale to take `cost` of the business's coin: the purchase's data with it.
async function buyWithPermit(business, shares, cost) {
  const [domain, nonce, now] = await Promise.all([permitDomain(business.asset),
    uintCall(business.asset, await encode('nonces', state.account)), chainTime()]);
  const deadline = now + 3600;
  say(t('Sign in your wallet: the sale of {symbol} may take {amount}…',
    { symbol: business.symbol, amount: `${units(cost, business.assetDecimals)} ${business.assetSymbol}` }));
  const signature = await signTyped('Permit', { name: domain.name, version: domain.version, verifyingContract: business.asset },
  { owner: state.account, spender: business.sale, value: cost.toString(), nonce: nonce.toString(), deadline });
  const r = '0x' + signature.slice(2, 66), s = '0x' + signature.slice(66, 130), v = parseInt(signature.slice(130, 132), 16);
  return encode('buyWithPermit', shares, deadline, v < 27 ? v + 27 : v, r, s);
}

// The token's EIP-712 domain for permits: as it says (ERC-5267), else its name and version() (USDC: "2"), else "1".
async function permitDomain(token) {
  const call = async (name) => decode(name, await rpc('eth_call', [{ to: token, data: await encode(name) }, 'latest']));
  try {
    const [, name, version] = await call('eip712Domain');
    return { name, version };
  } catch (e) { /* a token without ERC-5267 */ }
  const [name] = await call('name');
  let version = '1';
  try { [version] = await call('version'); } catch (e) { /* OpenZeppelin's: "1" */ }
  return { name, version };
}

export async function showQuota(mine) {
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

export async function buy(event) {
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
  const data = await encode('buy', shares);
  const buying = t('Buying {shares} {symbol}', { shares: count(shares), symbol: business.symbol });
  if (business.asset === state.config.native) {
    await send(buying, business.sale, data, cost);
    return;
  }
  const approve = await encode('approve', business.sale, cost);
  if (!(await canPayFee(await estimate(business.asset, approve, 0n), 0n))) {
    await exclusively(async () => relay(buying, business.sale, await buyWithPermit(business, shares, cost)));
    return;
  }
  const approved = await send(t('Allowing the sale to take {amount}', {
    amount: `${units(cost, business.assetDecimals)} ${business.assetSymbol}`,
  }), business.asset, approve);
  if (approved) await send(buying, business.sale, data);
}

export async function finalize(business) {
  if (!needAccount()) return;
  await send(t('Settling {symbol}', { symbol: business.symbol }), business.sale, await encode('finalize'));
}

export async function refund(businessId) {
  const business = state.businesses.find((b) => b.id === businessId);
  if (business.phase !== state.config.enums.failedPhase) {
    say(t('{symbol} has not failed: there is nothing to refund.', { symbol: business.symbol }), 'warn');
    return;
  }
  await send(t('Refund from {symbol}', { symbol: business.symbol }), business.sale, await encode('refund'));
}

// Claim the member's profit in `asset` (the chain's coin unless another is named).
export async function claim(asset = state.config.native) {
  if (!needAccount()) return;
  const claimable = BigInt((state.view && state.view.claimable[asset]) || '0');
  if (claimable === 0n) { say(t('Nothing to claim yet: no profit has been shared since your last claim.'), 'warn'); return; }
  const { decimals, symbol } = assetOf(asset);
  await send(t('Claiming {amount}', { amount: `${units(claimable, decimals)} ${symbol}` }),
    state.config.contracts.ProfitDistributor, await encode('claim', asset));
}

export async function claimAsInvestor(part) {
  if (!needAccount()) return;
  const asset = assetOf(part.asset);
  await send(t('Claiming {amount} as an investor in {symbol}',
    { amount: `${units(part.amount, asset.decimals)} ${asset.symbol}`, symbol: part.symbol }),
    state.config.contracts.ProfitDistributor,
    await encode('claimAsInvestor', BigInt(part.businessId), part.asset));
}

// Send INF or a business's shares to another address: everything checked here before the wallet is asked.
export async function sendTokens(event) {
  event.preventDefault();
  const view = state.view;
  if (!needAccount() || !view || view.recoveredTo || view.address.toLowerCase() !== state.account.toLowerCase()) return;
  const what = $('send-what').value;
  const inf = what === 'INF';
  const business = state.businesses.find((b) => String(b.id) === what);
  const held = inf ? BigInt(view.infinity)
    : BigInt((view.shares.find((s) => String(s.businessId) === what) || { shares: 0 }).shares);
  const said = (n) => (inf ? `${units(n, 18)} INF` : `${count(n)} ${business.symbol}`);
  const to = await address($('send-to').value);
  const amount = amountFrom($('send-amount').value, inf ? 18 : 0);
  const ours = [...Object.values(state.config.contracts), ...state.businesses.flatMap((b) => [b.sale, b.token])]
    .map((a) => a.toLowerCase());
  let wrong = null;
  if (!to) wrong = t('That is not an address: an address is 0x followed by 40 letters and digits.');
  else if (BigInt(to) === 0n) wrong = t('Nobody holds the zero address: what is sent there is lost.');
  else if (ours.includes(to.toLowerCase())) wrong = t('That address is one of the town\'s contracts: what is sent there is lost.');
  else if (to.toLowerCase() === state.account.toLowerCase()) wrong = t('That is your own address: send to someone else.');
  else if (amount === 'grouped') wrong = t('Write the amount without separating thousands, such as 1000 or 1.5.');
  else if (amount === null || amount === 0n) {
    wrong = inf ? t('Write the amount of INF as a number above zero, such as 1.5.')
      : t('Write the number of shares as a whole number above zero, such as 2.');
  } else if (amount > held) wrong = t('You hold {amount}: you cannot send more.', { amount: said(held) });
  if (wrong) { say(wrong, 'warn'); return; }
  const data = await encode('transfer', to, amount);
  const least = BigInt(state.config.forwarder.minInfTransfer);
  if (inf && amount < least && !(await canPayFee(await estimate(state.config.contracts.InfinityToken, data, 0n), 0n))) {
    say(t('The town pays the fee for INF transfers of {least} or more: send at least that much.',
      { least: said(least) }), 'warn');
    return;
  }
  const label = inf ? t('Sending {amount} to {to}', { amount: said(amount), to: short(to) })
    : tn('Sending {shares} share of {name} to {to}', 'Sending {shares} shares of {name} to {to}', amount,
      { shares: count(amount), name: business.name, to: short(to) });
  if (await send(label, inf ? state.config.contracts.InfinityToken : business.token, data)) $('send').reset();
}

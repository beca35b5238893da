// What the town page's parts share: the town as last read, the account on view and the wallet's, and the bar that
// says what was last done. app.js reads the town; businesses.js, account.js, record.js and wallet.js draw and act.
import { $, short } from './common.js';

export const state = {
  config: null, account: null, block: null, indexedBlock: null, businesses: [], pictures: null, view: null, viewing: null, busy: false,
  page: 0,
};

// The chain's coin, by the name the town gives it ("ETH" on the development chain).
export function coin() { return state.config.chain.nativeCurrency.symbol; }

// The open phases, in order, as the bridge serves them from the contracts' enum (a tier buys in its own and later).
export const openPhases = () => state.config.enums.openPhases;

// The decimals and symbol of an asset the town knows: the native coin, or a business's payment asset.
export function assetOf(address) {
  if (address.toLowerCase() === state.config.native.toLowerCase()) return { decimals: 18, symbol: coin() };
  const business = state.businesses.find((b) => b.asset.toLowerCase() === address.toLowerCase());
  return business ? { decimals: business.assetDecimals, symbol: business.assetSymbol } : { decimals: 18, symbol: short(address) };
}

// What the page says about the last thing done: in a bar at the foot of the screen, seen wherever the reader is
// (on a phone the account is at the top and the list far below); an empty message takes the bar away.
export function say(message, tone = '') {
  const status = $('status');
  status.textContent = message;
  status.className = 'status ' + tone;
  $('status-close').hidden = !message;
  // The page keeps the bar's height free at its end, so nothing stays under it.
  document.documentElement.style.setProperty('--status-height', message ? `${status.offsetHeight}px` : '0px');
}

// The wallet changed the chain: the page reads the town again (app.js listens).
export const changed = () => document.dispatchEvent(new Event('ost-changed'));

// What a reader starts (a click, a form sent): whatever goes wrong is said in the bar, never lost in the console.
export const acting = (work) => async (...args) => {
  try {
    return await work(...args);
  } catch (error) {
    say(error.message || String(error), 'bad');
    return null;
  }
};

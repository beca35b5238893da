// Every call's data the page sends or reads, encoded and decoded by ethers (npm's, served by the bridge at
// /vendor/ethers.js) from the ABI fragments the bridge serves in /v1/config's `calls`, the compiled contracts' own.
// The library is fetched the first time a call is built, when a wallet is used: a reader who only reads the town
// never downloads it. A fetch that failed (a dropped connection) is tried again at the next call.
import { state } from './state.js';

// In a browser, the file the bridge serves; under node (tests/page), the same package from node_modules.
const LIBRARY = globalThis.document ? '/vendor/ethers.js' : 'ethers';
let library = null;
const ethers = () => (library ||= import(LIBRARY).catch((error) => { library = null; throw error; }));

async function fragment(name) {
  const abi = state.config.calls[name];
  const { Interface } = await ethers();
  return { contract: new Interface([abi]), name: abi.name };
}

// The data of the call `name` (a key of /v1/config's `calls`) with `args`: numbers as BigInt, addresses and
// bytes as 0x-hex.
export async function encode(name, ...args) {
  const { contract, name: fn } = await fragment(name);
  return contract.encodeFunctionData(fn, args);
}

// What the call `name` returned (`data`, 0x-hex), as its ABI reads it: a list of its outputs.
export async function decode(name, data) {
  const { contract, name: fn } = await fragment(name);
  return [...contract.decodeFunctionResult(fn, data)];
}

// An address as the chain writes it (EIP-55), or null when `text` is not one (a mixed-case address whose
// checksum does not hold is a mistyped one).
export async function address(text) {
  const { getAddress } = await ethers();
  try { return getAddress(text.trim()); } catch (e) { return null; }
}

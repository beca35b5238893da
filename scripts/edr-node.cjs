#!/usr/bin/env node
// A local JSON-RPC node on Hardhat's EDR, started without Hardhat's CLI (which wants a
// hardhat.config file) and without the EDR CLI (which wants Node 22). It builds the same
// provider as `hardhat node` from an inline config, through Hardhat 2's own config resolution
// and provider construction, and serves it with Hardhat's JSON-RPC server (HTTP and WebSocket).
//
// usage: node scripts/edr-node.cjs [PORT] [--port N] [--chain-id N] [--hardfork NAME]
//          [--block-time SECONDS] [--automine] [--gas-limit N] [--accounts N]
//          [--no-throw-on-tx-failures] [--verbose]
//
// The chain has the 20 development accounts of the standard test mnemonic
// (m/44'/60'/0'/0/i), 10,000 ETH each. Blocks are mined on every transaction unless
// --block-time is given: then a block is mined every SECONDS seconds, like anvil's
// --block-time; add --automine to keep both. When it listens it prints exactly one line,
// `Listening on 127.0.0.1:PORT`, and it exits on SIGTERM and SIGINT.
'use strict';

const { parseArgs } = require('util');

const HOST = '127.0.0.1';
const MNEMONIC = 'test test test test test test test test test test test junk';
const BALANCE_WEI = (10_000n * 10n ** 18n).toString();

function usage(message) {
  process.stderr.write(`edr-node: ${message}\n` +
    'usage: edr-node [PORT] [--port N] [--chain-id N] [--hardfork NAME] [--block-time SECONDS] [--automine]\n' +
    '                [--gas-limit N] [--accounts N] [--no-throw-on-tx-failures] [--verbose]\n');
  process.exit(2);
}

function nonNegativeNumber(name, text, integer) {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    usage(`${name} must be a non-negative ${integer ? 'integer' : 'number'}, not ${JSON.stringify(text)}`);
  }
  return value;
}

function options(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        'chain-id': { type: 'string', default: '31337' },
        hardfork: { type: 'string', default: 'osaka' },
        'block-time': { type: 'string' },
        automine: { type: 'boolean', default: false },
        'gas-limit': { type: 'string', default: '30000000' },
        accounts: { type: 'string', default: '20' },
        'no-throw-on-tx-failures': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    usage(error.message);
  }
  const { values, positionals } = parsed;
  if (values.help) usage('help');
  if (positionals.length > 1) usage(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const portText = values.port ?? positionals[0] ?? '0';
  const port = nonNegativeNumber('the port', portText, true);
  if (port > 65535) usage(`the port must be at most 65535, not ${port}`);
  const blockTime = values['block-time'] === undefined
    ? 0
    : nonNegativeNumber('--block-time', values['block-time'], false);
  return {
    port,
    chainId: nonNegativeNumber('--chain-id', values['chain-id'], true),
    hardfork: values.hardfork,
    // Like anvil, a block time replaces mining on every transaction unless --automine is also given.
    automine: blockTime === 0 || values.automine,
    intervalMs: Math.round(blockTime * 1000),
    gasLimit: nonNegativeNumber('--gas-limit', values['gas-limit'], true),
    accounts: nonNegativeNumber('--accounts', values.accounts, true),
    throwOnTransactionFailures: !values['no-throw-on-tx-failures'],
    verbose: values.verbose,
  };
}

async function main() {
  const opts = options(process.argv.slice(2));

  // Hardhat 2 has no public API for a provider without a config file, so its internal modules
  // are used as its own `node` task uses them.
  const { resolveConfig } = require('hardhat/internal/core/config/config-resolution');
  const { validateConfig } = require('hardhat/internal/core/config/config-validation');
  const { createProvider } = require('hardhat/internal/core/providers/construction');
  const { JsonRpcServer } = require('hardhat/internal/hardhat-network/jsonrpc/server');
  const { HARDHAT_NETWORK_NAME, HARDHAT_NETWORK_SUPPORTED_HARDFORKS } = require('hardhat/internal/constants');

  const userConfig = {
    networks: {
      hardhat: {
        chainId: opts.chainId,
        hardfork: opts.hardfork,
        blockGasLimit: opts.gasLimit,
        accounts: {
          mnemonic: MNEMONIC,
          path: "m/44'/60'/0'/0",
          initialIndex: 0,
          count: opts.accounts,
          accountsBalance: BALANCE_WEI,
        },
        mining: { auto: opts.automine, interval: opts.intervalMs },
        throwOnTransactionFailures: opts.throwOnTransactionFailures,
        throwOnCallFailures: true,
        loggingEnabled: opts.verbose,
      },
    },
  };
  if (!HARDHAT_NETWORK_SUPPORTED_HARDFORKS.includes(opts.hardfork)) {
    usage(`unknown hardfork ${JSON.stringify(opts.hardfork)}; one of: ${HARDHAT_NETWORK_SUPPORTED_HARDFORKS.join(', ')}`);
  }
  validateConfig(userConfig);
  // Hardhat wants the path of an existing config file to anchor its project paths: this script
  // stands in for it, and nothing is read from or written to those paths.
  const config = resolveConfig(__filename, userConfig);
  const provider = await createProvider(config, HARDHAT_NETWORK_NAME);

  const server = new JsonRpcServer({ hostname: HOST, port: opts.port, provider });
  const address = await server.listen();

  // The in-memory chain has nothing to flush, so a signal ends the process at once.
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => process.exit(0));
  }
  process.stdout.write(`Listening on ${HOST}:${address.port}\n`);
}

main().catch((error) => {
  process.stderr.write(`edr-node: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});

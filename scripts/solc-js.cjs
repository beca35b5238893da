#!/usr/bin/env node
// A solc-compatible command line over npm's `solc` package (solc-js), for machines with no
// native compiler. It answers the two calls that py-solc-x, ape-solidity, forge and slither
// make: `--version` in the native format and `--standard-json` on standard input, with an
// import callback that reads files under the base path, the include paths and the allowed
// paths. Anything else is refused with a clear message and exit code 2.
'use strict';

const fs = require('fs');
const path = require('path');

const SOLC_PACKAGE = process.env.OST_SOLC_PACKAGE || path.join(__dirname, '..', 'node_modules', 'solc');

function usage(message) {
  process.stderr.write(`solc-js: ${message}\n` +
    'usage: solc-js --version | solc-js --standard-json [--base-path DIR] [--include-path DIR]... [--allow-paths A,B]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const options = { version: false, standardJson: false, basePath: null, includePaths: [], allowPaths: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      i += 1;
      if (i >= argv.length) usage(`${flag} needs a value`);
      return argv[i];
    };
    switch (flag) {
      case '--version': options.version = true; break;
      case '--standard-json': options.standardJson = true; break;
      case '--base-path': options.basePath = value(); break;
      case '--include-path': options.includePaths.push(value()); break;
      case '--allow-paths': options.allowPaths.push(...value().split(',').filter(Boolean)); break;
      // Output-shaping flags that are meaningless with standard JSON are accepted and ignored.
      case '--pretty-json': case '--no-color': case '--no-import-callback': break;
      default: usage(`unsupported argument ${arg}`);
    }
  }
  return options;
}

function readStdin() {
  const chunks = [];
  const buffer = Buffer.alloc(1 << 16);
  for (;;) {
    let read = 0;
    try {
      read = fs.readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      if (error.code === 'EAGAIN') continue;
      if (error.code === 'EOF') break;
      throw error;
    }
    if (read === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function makeImportCallback(options) {
  const roots = [options.basePath || process.cwd(), ...options.includePaths, ...options.allowPaths]
    .map((root) => path.resolve(root));
  return (importPath) => {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : roots.map((root) => path.join(root, importPath));
    for (const candidate of candidates) {
      const resolved = path.resolve(candidate);
      const inside = roots.some((root) => resolved === root || resolved.startsWith(root + path.sep));
      if (inside && fs.existsSync(resolved) && fs.statSync(resolved).isFile()) {
        return { contents: fs.readFileSync(resolved, 'utf8') };
      }
    }
    return { error: `File not found inside the base path or any include path: ${importPath}` };
  };
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!options.version && !options.standardJson) usage('nothing to do');
  const solc = require(SOLC_PACKAGE);
  if (options.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  const output = solc.compile(readStdin(), { import: makeImportCallback(options) });
  process.stdout.write(output);
  process.stdout.write('\n');
}

main();

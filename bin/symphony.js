#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build` / `prepare`).
// `main` resolves once the daemon has stopped and its logs are flushed; exiting explicitly then
// keeps a request still in flight (an agent's tool call, say) from holding the process open.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(typeof code === 'number' ? code : 0),
  (error) => {
    process.stderr.write(`symphony: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

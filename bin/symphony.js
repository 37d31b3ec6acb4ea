#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build` / `prepare`).
// The Node.js version is checked first: static imports are hoisted and would load dist/ (and
// dependencies that crash on an old Node) before any check ran, so dist/ is imported dynamically
// and only once the check has passed. node-version.js imports nothing. After the check,
// quiet-warnings.js drops Node 22's one warning about node:sqlite (the run journal).
// `main` resolves once the daemon has stopped and its logs are flushed; exiting explicitly then
// keeps a request still in flight (an agent's tool call, say) from holding the process open.
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem === null) {
  import('./quiet-warnings.js')
    .then(({ quietSqliteWarning }) => {
      quietSqliteWarning(process);
      return import('../dist/cli/main.js');
    })
    .then(({ main }) => main(process.argv.slice(2)))
    .then(
      (code) => process.exit(typeof code === 'number' ? code : 0),
      (error) => {
        process.stderr.write(`symphony: fatal: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
}

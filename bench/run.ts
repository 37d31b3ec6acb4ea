/**
 * Runs every `bench/*.bench.ts` in sequence, each in its own `node --expose-gc` process (a fresh
 * heap per benchmark keeps heap figures independent). Arguments filter by file-name substring:
 * `node bench/run.ts framing prompt`. Exits non-zero when a benchmark fails. Needs `dist/`
 * (`npm run build`). The files in `TSX_BENCHMARKS` run with tsx's ESM loader as well.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const builtCore = fileURLToPath(new URL('../dist/scheduler/core.js', import.meta.url));
if (!existsSync(builtCore)) {
  console.error(`bench: ${builtCore} is missing; run \`npm run build\` first`);
  process.exit(1);
}

const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`bench: no benchmark in ${benchDir} matches ${filters.join(', ')}`);
  process.exit(1);
}

/**
 * Benchmarks that import the test suite's TypeScript fakes, whose `.js` specifiers Node's type
 * stripping cannot resolve to `.ts`: these run with tsx's ESM loader (`--import tsx/esm`). Not the
 * full `tsx` registration: it also hooks `require()`, which breaks the daemon's lazy
 * `require('execa')` (a dependency offers only `import` conditions). Every other file runs as before.
 */
const TSX_BENCHMARKS: ReadonlySet<string> = new Set(['runtime-start.bench.ts']);

/** The extra node arguments `file` needs. */
function loaderArgs(file: string): string[] {
  return TSX_BENCHMARKS.has(file) ? ['--import', import.meta.resolve('tsx/esm')] : [];
}

const failed: string[] = [];
const started = performance.now();
for (const file of files) {
  const result = spawnSync(process.execPath, ['--expose-gc', ...loaderArgs(file), fileURLToPath(new URL(file, import.meta.url))], { stdio: 'inherit' });
  if (result.status !== 0) failed.push(`${file} (${result.error?.message ?? result.signal ?? `exit ${result.status}`})`);
  console.log('');
}
console.log(`bench: ${files.length - failed.length}/${files.length} benchmarks ran in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (failed.length > 0) {
  console.error(`bench: failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}

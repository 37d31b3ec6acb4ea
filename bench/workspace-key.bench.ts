/**
 * `workspaceKey` (spec §4.2): clean identifiers are returned as they are; dirty ones are sanitized
 * and get a SHA-256 suffix. Prints figures only.
 *
 * Run: `npm run build && node --expose-gc bench/workspace-key.bench.ts`.
 */
import { workspaceKey } from '../dist/workspace/key.js';
import type * as Harness from './lib/harness.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { measure, toRow, printTable, printEnvironment } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;

const BATCH = 1000;

const clean = Array.from({ length: BATCH }, (_, i) => `PAY-${i + 1}`);
const dirty = Array.from({ length: BATCH }, (_, i) => (i % 2 === 0 ? `PAY/${i + 1}` : `team pay: ${i + 1} (café)`));
const long = Array.from({ length: BATCH }, (_, i) => `PAY-${i}-${'x'.repeat(300)}`);

/** Keys a whole batch; checks clean ones are unchanged and the rest are not. */
function keyAll(identifiers: readonly string[], expectUnchanged: boolean): number {
  let length = 0;
  for (const identifier of identifiers) {
    const key = workspaceKey(identifier);
    if ((key === identifier) !== expectUnchanged) throw new Error(`bench workspace-key: unexpected key ${key} for ${identifier}`);
    length += key.length;
  }
  return length;
}

printEnvironment('workspace-key.bench.ts');

printTable(`workspaceKey (n = identifiers per sample; p50/p99 are ms per sample)`, [
  measure({ name: 'clean (PAY-123)', n: BATCH, run: () => keyAll(clean, true) }),
  measure({ name: 'dirty (PAY/1, spaces, ":", "é")', n: BATCH, run: () => keyAll(dirty, false) }),
  measure({ name: 'too long (305 chars, truncated)', n: BATCH, run: () => keyAll(long, false) }),
].map(toRow));

/** The package version, read once from package.json (one level above `src/` and `dist/`). */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** `version` of package.json, or `0.0.0` when it cannot be read. */
export function packageVersion(): string {
  if (cached !== null) return cached;
  try {
    const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
    cached = (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}

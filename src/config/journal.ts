/**
 * The `journal.*` section of the typed config (issue 9, the run journal): raw section in,
 * {@link JournalConfig} out, problems recorded on the {@link Collector}. Pure.
 */
import path from 'node:path';
import { describe, type Collector, type RawMap } from './collector.js';
import { expandPath } from './resolve.js';
import type { JournalConfig } from './types.js';

/** `journal.*` (issue 9): `enabled` (default true) and `path` (expanded like `workspace.root`). */
export function buildJournal(section: RawMap, ctx: Collector, options: { readonly workflowPath: string; readonly env: NodeJS.ProcessEnv }): JournalConfig {
  const enabledValue = section.enabled;
  let enabled = true;
  if (enabledValue !== undefined && enabledValue !== null) {
    if (typeof enabledValue === 'boolean') enabled = enabledValue;
    else ctx.fail('journal.enabled', `must be true or false (got ${describe(enabledValue)})`);
  }
  const value = section.path;
  if (value === undefined || value === null) return { enabled, path: null };
  if (typeof value !== 'string' || value.trim() === '') {
    ctx.fail('journal.path', `must be a non-empty path string (got ${describe(value)})`);
    return { enabled, path: null };
  }
  const expanded = expandPath(value, { env: options.env, baseDir: path.dirname(options.workflowPath) });
  if (!expanded.ok) {
    ctx.fail('journal.path', expanded.reason);
    return { enabled, path: null };
  }
  return { enabled, path: expanded.path };
}

/**
 * The dashboard's documents (spec §13.7.1): plain browser files under `<package root>/assets/
 * dashboard/` (HTML, CSS, ES modules; no build step), read once and handed to the HTTP server as
 * {@link DashboardPages}. The page is a client of the JSON API (§13.7.2) and its event stream.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SymphonyError } from '../../errors.js';
import type { DashboardPages, StaticAsset } from '../../status/types.js';

/**
 * Absolute path of the dashboard files: `<package root>/assets/dashboard/`, found from this
 * module's location, which is `<root>/src/server/dashboard/` under tsx/vitest and
 * `<root>/dist/server/dashboard/` once built.
 */
export const DASHBOARD_ASSETS_DIR = fileURLToPath(new URL('../../../assets/dashboard/', import.meta.url));

/** URL prefix of the served assets: `/assets/<file name>`. */
export const DASHBOARD_ASSETS_PREFIX = '/assets/';

/** Content types of the files served as assets, by extension; other files are not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
};

let cached: DashboardPages | null = null;

/**
 * Reads the dashboard files from `dir` (default {@link DASHBOARD_ASSETS_DIR}): `index.html` is the
 * document of `/`, `issue.html` that of `/issues/<issue_identifier>`, and every `.js`, `.css` and
 * `.svg` file is an asset served at `/assets/<name>`. Not cached.
 *
 * @throws SymphonyError `http_server_failed` naming the directory when a file cannot be read.
 */
export function loadDashboardPages(dir: string = DASHBOARD_ASSETS_DIR): DashboardPages {
  try {
    const names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
    const assets: StaticAsset[] = [];
    for (const name of names) {
      const contentType = CONTENT_TYPES[path.extname(name)];
      if (contentType === undefined) continue;
      assets.push({ path: `${DASHBOARD_ASSETS_PREFIX}${name}`, contentType, body: readFileSync(path.join(dir, name), 'utf8') });
    }
    return {
      index: readFileSync(path.join(dir, 'index.html'), 'utf8'),
      issue: readFileSync(path.join(dir, 'issue.html'), 'utf8'),
      assets,
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SymphonyError('http_server_failed', `dashboard files unreadable in ${dir}: ${reason}`, { cause: error, details: { dir } });
  }
}

/**
 * The dashboard documents from the package's `assets/dashboard/`, read on first call and then
 * reused for the life of the process.
 *
 * @throws SymphonyError `http_server_failed` when the files are missing (a broken install).
 */
export function dashboardPages(): DashboardPages {
  cached ??= loadDashboardPages();
  return cached;
}

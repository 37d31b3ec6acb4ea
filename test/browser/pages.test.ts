/**
 * The dashboard documents as files (spec §13.7.1): what `dashboardPages()` hands the HTTP server,
 * and the rules the strict Content-Security-Policy and escaping impose on them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSymphonyError } from '../../src/errors.js';
import { DASHBOARD_ASSETS_DIR, dashboardPages, loadDashboardPages } from '../../src/server/dashboard/pages.js';
import { INITIAL_STATE_SLOT, withInitialState } from '../../src/server/pages.js';
import { REPO_ROOT } from '../support/codex.js';

const pages = dashboardPages();
const scripts = pages.assets.filter((asset) => asset.path.endsWith('.js'));

describe('dashboard pages', () => {
  it('finds assets/dashboard/ at the package root from src/', () => {
    expect(DASHBOARD_ASSETS_DIR).toBe(path.join(REPO_ROOT, 'assets', 'dashboard') + path.sep);
  });

  it('§13.7.1 serves the two documents and their scripts, style and icon with content types', () => {
    expect(pages.index).toContain('<script type="module" src="/assets/index.js"></script>');
    expect(pages.issue).toContain('<script type="module" src="/assets/issue.js"></script>');
    const types = Object.fromEntries(pages.assets.map((asset) => [asset.path, asset.contentType]));
    expect(types).toMatchObject({
      '/assets/index.js': 'text/javascript; charset=utf-8',
      '/assets/issue.js': 'text/javascript; charset=utf-8',
      '/assets/dashboard.css': 'text/css; charset=utf-8',
      '/assets/favicon.svg': 'image/svg+xml; charset=utf-8',
    });
    expect(pages.assets.some((asset) => asset.path.endsWith('.html'))).toBe(false);
  });

  it('reads the files once per process', () => {
    expect(dashboardPages()).toBe(pages);
  });

  it('every asset a document or module refers to is served', () => {
    const served = new Set(pages.assets.map((asset) => asset.path));
    const referenced = [pages.index, pages.issue].flatMap((html) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]));
    for (const script of scripts) {
      for (const match of script.body.matchAll(/from '\.\/([^']+)'/g)) referenced.push(`/assets/${match[1]}`);
    }
    expect(referenced.length).toBeGreaterThan(10);
    for (const reference of referenced) expect(served, reference).toContain(reference);
  });

  it('has no inline script or style (the server sends default-src \'self\')', () => {
    for (const html of [pages.index, pages.issue]) {
      // Only external scripts, and the empty JSON data block the server fills (never executed).
      expect(html.replace(INITIAL_STATE_SLOT, '')).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html.split(INITIAL_STATE_SLOT)).toHaveLength(2);
      expect(html).not.toMatch(/<style/);
      expect(html).not.toMatch(/\sstyle=/);
      expect(html).not.toMatch(/\son[a-z]+=/);
    }
    for (const script of scripts) {
      expect(script.body, script.path).not.toMatch(/setAttribute\(\s*'style'|\.style\./);
    }
  });

  it('withInitialState fills the slot with escaped JSON, and leaves documents without a slot alone', () => {
    const doc = `<head>${INITIAL_STATE_SLOT}</head>`;
    const filled = withInitialState(doc, { text: '</script><b>&amp;\u2028' });
    expect(filled).toBe('<head><script type="application/json" id="initial-state">{"text":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\\u2028"}</script></head>');
    const json = /id="initial-state">(.*)<\/script>/.exec(filled)?.[1] ?? '';
    expect(JSON.parse(json)).toEqual({ text: '</script><b>&amp;\u2028' });
    expect(withInitialState(doc, null)).toBe(doc);
    expect(withInitialState('<title>x</title>', { a: 1 })).toBe('<title>x</title>');
    // `$'`, `$$` and `$1` in the data are not replacement patterns.
    expect(withInitialState(doc, { a: "$'$$$1$`" })).toBe(`<head><script type="application/json" id="initial-state">{"a":"$'$$$1$\`"}</script></head>`);
  });

  it('never parses data as HTML: no innerHTML, outerHTML, insertAdjacentHTML or document.write', () => {
    for (const script of scripts) {
      expect(script.body, script.path).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    }
  });

  it('a missing dashboard directory is an http_server_failed error naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'symphony-dashboard-'));
    try {
      writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
      let caught: unknown;
      try {
        loadDashboardPages(dir);
      } catch (error) {
        caught = error;
      }
      expect(isSymphonyError(caught, 'http_server_failed')).toBe(true);
      expect((caught as Error).message).toContain(dir);
      expect((caught as Error).message).toContain('issue.html');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

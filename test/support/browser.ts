/**
 * Real headless Chromium (Debian's `/usr/bin/chromium`) driven by playwright-core, for the
 * dashboard tests. {@link openDashboard} collects the page's console errors and uncaught
 * exceptions, and its `close()` waits until no Chromium process of this launch remains.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually } from './wait.js';

/** The system Chromium (apt `chromium`). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Launch flags: new headless mode, no sandbox (containers), nothing talking to the network. */
export const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking'];

/** An open dashboard page. */
export interface OpenDashboard {
  readonly browser: Browser;
  readonly page: Page;
  /** Console messages of type `error` and uncaught page exceptions, in order. */
  readonly errors: string[];
  /** Chromium's temporary profile directory (found in its command line), by which `close()` finds leftovers. */
  readonly profileDir: string | null;
  /** Closes the browser and resolves once none of its processes is left. Idempotent. */
  close(): Promise<void>;
}

function readProc(pid: string, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return null;
  }
}

/** PIDs of live (non-zombie) processes whose command line contains `needle`. */
export function processesWith(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = readProc(entry, 'cmdline');
    if (cmdline === null || !cmdline.replace(/\0/g, ' ').includes(needle)) continue;
    const stat = readProc(entry, 'stat');
    if (stat !== null && !/\) Z /.test(stat)) found.push(Number(entry));
  }
  return found;
}

/** The `--user-data-dir` of the Chromium this process started most recently, or null. */
function launchedProfileDir(before: ReadonlySet<number>): string | null {
  for (const pid of processesWith('--user-data-dir=')) {
    if (before.has(pid)) continue;
    const stat = readProc(String(pid), 'stat');
    const ppid = stat === null ? NaN : Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== process.pid) continue;
    const match = /--user-data-dir=(\S+)/.exec((readProc(String(pid), 'cmdline') ?? '').replace(/\0/g, ' '));
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

/** Launches headless Chromium; `close()` waits until its processes are gone. */
export async function launchChromium(): Promise<{ browser: Browser; profileDir: string | null; close(): Promise<void> }> {
  const before = new Set(processesWith('--user-data-dir='));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const profileDir = launchedProfileDir(before);
  let closing: Promise<void> | null = null;
  return {
    browser,
    profileDir,
    close: () => {
      closing ??= (async () => {
        await browser.close();
        if (profileDir !== null) await eventually(() => processesWith(profileDir).length === 0, `chromium processes using ${profileDir} to exit`);
      })();
      return closing;
    },
  };
}

/**
 * Launches Chromium and opens `url` (1400×900 viewport), resolving once the page has loaded.
 * Console errors and page exceptions are collected in `errors`.
 */
export async function openDashboard(url: string): Promise<OpenDashboard> {
  const launched = await launchChromium();
  try {
    const page = await launched.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    await page.goto(url, { waitUntil: 'load' });
    return { browser: launched.browser, page, errors, profileDir: launched.profileDir, close: () => launched.close() };
  } catch (error) {
    await launched.close();
    throw error;
  }
}

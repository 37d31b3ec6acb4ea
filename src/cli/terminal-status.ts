/**
 * The live terminal status view (spec §13.4, issue 3 item 6): the effectful shell around the pure
 * `renderStatusView`. It owns the terminal while it runs: the alternate screen, a hidden cursor,
 * and a redraw on every status event (at most {@link MIN_REDRAW_GAP_MS} apart), every interval (so
 * runtimes tick) and every resize. Frames are drawn in place (each line put at its row and
 * followed by clear-to-end-of-line, then clear-to-end-of-screen), never by clearing first, so they
 * do not flicker. While it runs, JSON logs must go to the log file only (`createLogger({ console: false })`).
 */
import os from 'node:os';
import { repeatEvery, systemClock, type Clock, type TimerHandle } from '../domain/clock.js';
import type { StatusSnapshot, StatusSource } from '../status/types.js';
import { clean, clip, shortPath } from './status-format.js';
import { renderStatusView, summaryLine } from './status-view.js';

/** Shortest time between two event-driven redraws (≤ 4 frames per second). */
export const MIN_REDRAW_GAP_MS = 250;
/** Throughput is measured over this window of snapshots. */
export const THROUGHPUT_WINDOW_MS = 10_000;

/** Options of {@link startTerminalStatus}. */
export interface TerminalStatusOptions {
  /** The terminal (normally `process.stdout`); its `columns`/`rows` (80×24 when unknown) size the view. */
  readonly stream: NodeJS.WriteStream;
  /** Redraw period, ms, so runtimes and "due in" tick. Default 1000; at least 10. */
  readonly intervalMs?: number;
  /** Shown in the header and the summary line. */
  readonly version?: string;
  /**
   * The dashboard's URL (`<server url>/`), shown under the header; `null` when the HTTP server is
   * off (the view then says how to turn it on); absent shows nothing about it.
   */
  readonly dashboardUrl?: string | null;
  /**
   * Absolute path of the JSON log file (`<logs-root>/symphony.log`), shown under the header
   * relative to `cwd` when inside it (or as `~/…`); absent or null shows nothing.
   */
  readonly logFile?: string | null;
  /** Directory the log path is shown relative to. Default `process.cwd()`. */
  readonly cwd?: string;
  /** ANSI colours. Default: `stream.hasColors()` (honours `NO_COLOR`, `FORCE_COLOR`), false when absent. */
  readonly color?: boolean;
  /** Clock, epoch ms, for runtimes and throughput. Default `clock.now`. */
  readonly now?: () => number;
  /**
   * Times the redraw debounce and the `intervalMs` redraws (all unref'd), and supplies `now` when
   * that is not given. Default {@link systemClock}.
   */
  readonly clock?: Clock;
}

/** A running status view. */
export interface TerminalStatus {
  /**
   * Stops redrawing, restores the terminal (cursor shown, main screen back) and writes a final
   * one-line summary (see `summaryLine`). Idempotent.
   */
  stop(): void;
}

/** One token-total reading. */
export interface TokenSample {
  /** Epoch ms. */
  readonly atMs: number;
  readonly totalTokens: number;
}

/**
 * Tokens per second between the oldest and newest of `samples` (in time order); 0 with fewer than
 * two samples, no elapsed time, or totals going down. Pure.
 */
export function tokenThroughput(samples: readonly TokenSample[]): number {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.atMs <= first.atMs) return 0;
  return Math.max(0, last.totalTokens - first.totalTokens) / ((last.atMs - first.atMs) / 1000);
}

export { shouldUseTerminalStatus } from './use-terminal.js';

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[2J';
const LEAVE = '\x1b[?25h\x1b[?1049l';

/**
 * Takes over `options.stream` and draws the status view of `source` until `stop()`. A snapshot
 * that fails is shown as one line instead of the view; a stream that errors (terminal gone) ends
 * drawing silently. If the process exits without `stop()`, the terminal is still restored.
 * Timers are unref'd: the view never keeps the process alive. Implements spec §13.4.
 */
export function startTerminalStatus(source: StatusSource, options: TerminalStatusOptions): TerminalStatus {
  const { stream } = options;
  const clock = options.clock ?? systemClock;
  const now = options.now ?? (() => clock.now());
  const color = options.color ?? (typeof stream.hasColors === 'function' ? stream.hasColors() : false);
  const logFile = options.logFile ? shortPath(options.logFile, options.cwd ?? process.cwd(), os.homedir()) : null;
  const where = { ...(options.dashboardUrl === undefined ? {} : { dashboardUrl: options.dashboardUrl }), logFile };
  const samples: TokenSample[] = [];
  let stopped = false;
  let broken = false;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let pending: TimerHandle | null = null;

  const write = (text: string): void => {
    if (broken) return;
    try {
      stream.write(text);
    } catch {
      broken = true;
    }
  };
  const size = (): { columns: number; rows: number } => ({
    columns: stream.columns > 0 ? stream.columns : 80,
    rows: stream.rows > 0 ? stream.rows : 24,
  });
  const snapshot = (): StatusSnapshot | Error => {
    try {
      return source.snapshot();
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  };

  const draw = (clearFirst = false): void => {
    if (stopped || broken) return;
    if (pending) clock.clearTimeout(pending);
    pending = null;
    const nowMs = now();
    lastDrawMs = nowMs;
    // The last column is left empty: a full line would leave the cursor pending a wrap there.
    const { columns, rows } = size();
    const width = Math.max(1, columns - 1);
    const snap = snapshot();
    let body: string;
    if (snap instanceof Error) {
      body = clip(`symphony: status unavailable: ${clean(snap.message)}`, width);
    } else {
      samples.push({ atMs: nowMs, totalTokens: snap.codex_totals.total_tokens });
      while (samples.length > 2 && (samples[0]?.atMs ?? nowMs) < nowMs - THROUGHPUT_WINDOW_MS) samples.shift();
      body = renderStatusView(snap, { nowMs, columns: width, rows, color, throughput: tokenThroughput(samples), ...where, ...(options.version ? { version: options.version } : {}) });
    }
    // Each line is placed absolutely, so the frame does not depend on the terminal's newline mode.
    const frame = body
      .split('\n')
      .map((line, i) => `\x1b[${i + 1};1H${line}\x1b[K`)
      .join('');
    write(`${clearFirst ? '\x1b[2J' : ''}\x1b[H${frame}\x1b[J`);
  };

  const schedule = (): void => {
    if (stopped || pending) return;
    // Never draw from inside the listener: the orchestrator may be mid-change.
    pending = clock.setTimeout(() => draw(), Math.max(0, lastDrawMs + MIN_REDRAW_GAP_MS - now()), { unref: true });
  };
  const onResize = (): void => draw(true);
  const onError = (): void => {
    broken = true;
  };
  const restoreOnExit = (): void => {
    if (!stopped) write(LEAVE);
  };

  // Stays attached after stop(): a late write error must not become an uncaught 'error' event.
  stream.on('error', onError);
  stream.on('resize', onResize);
  process.on('exit', restoreOnExit);
  const unsubscribe = source.subscribe(schedule);
  const stopInterval = repeatEvery(clock, () => draw(), Math.max(10, options.intervalMs ?? 1000), { unref: true });
  write(ENTER);
  draw();

  return {
    stop(): void {
      if (stopped) return;
      stopped = true;
      unsubscribe();
      stopInterval();
      if (pending) clock.clearTimeout(pending);
      stream.off('resize', onResize);
      process.off('exit', restoreOnExit);
      const snap = snapshot();
      const summary = snap instanceof Error ? 'symphony: stopped' : summaryLine(snap, options.version);
      write(`${LEAVE}${summary}\n`);
    },
  };
}

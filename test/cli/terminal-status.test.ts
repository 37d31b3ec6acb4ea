/**
 * The live terminal status view (spec §13.4) on a fake TTY stream and a fake status source:
 * frames on events, intervals and resizes, terminal restored on stop; throughput; when the view
 * is chosen; and the logger's file-only mode that goes with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MIN_REDRAW_GAP_MS, shouldUseTerminalStatus, startTerminalStatus, tokenThroughput, type TerminalStatus } from '../../src/cli/terminal-status.js';
import { createLogger } from '../../src/logging/logger.js';
import type { StatusEvent, StatusSnapshot, StatusSource } from '../../src/status/types.js';
import { ManualClock } from '../support/manual-clock.js';
import { eventually, Pulse } from '../support/wait.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const ENTER_ALT = '\x1b[?1049h';
const LEAVE_ALT = '\x1b[?1049l';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

function snapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    generated_at: new Date(T0).toISOString(),
    counts: { running: 0, retrying: 0, claimed: 0, waiting: 0, blocked: 0 },
    running: [],
    retrying: [],
    waiting: [],
    blocked: [],
    codex_totals: { input_tokens: 0, output_tokens: 0, total_tokens: 0, seconds_running: 0 },
    rate_limits: null,
    tokens_today: { day: '2026-01-02', total_tokens: 0 },
    max_concurrent_agents: 5,
    max_turns: 20,
    dispatch: { state: 'active', paused_since: null, reason: null, summary: 'dispatch: active' },
    config: { workflow_path: '/srv/WORKFLOW.md', loaded_at: new Date(T0).toISOString(), last_reload: null, last_rejected: null },
    ...over,
  };
}

/** The text lines of a frame: each is placed with `ESC[<row>;1H`. */
function frameLines(frame: string): string[] {
  return frame
    .split(/\x1b\[\d+;1H/)
    .slice(1)
    .map((line) => line.replace(ANSI, ''));
}

/** A tiny {@link StatusSource}: the test sets the snapshot and pushes events. */
class FakeSource implements StatusSource {
  current: StatusSnapshot | Error = snapshot();
  readonly listeners = new Set<(event: StatusEvent) => void>();
  #id = 0;

  snapshot(): StatusSnapshot {
    if (this.current instanceof Error) throw this.current;
    return this.current;
  }
  issue(): null {
    return null;
  }
  refresh(): { coalesced: boolean; requested_at: string } {
    return { coalesced: false, requested_at: new Date(T0).toISOString() };
  }
  answer(identifier: string): { ok: false; code: 'issue_not_found'; message: string } {
    return { ok: false, code: 'issue_not_found', message: `issue ${identifier} is not running` };
  }
  sessionLogPath(): null {
    return null;
  }
  subscribe(listener: (event: StatusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(type: StatusEvent['type'] = 'dispatch'): void {
    this.#id += 1;
    const event: StatusEvent = { id: this.#id, type, at: new Date(T0).toISOString(), issue_id: null, issue_identifier: null, message: type, data: {} };
    for (const listener of this.listeners) listener(event);
  }
}

/** A PassThrough posing as a TTY; everything written is collected in `output`. */
class FakeTty extends PassThrough {
  readonly isTTY = true;
  columns = 100;
  rows = 30;
  output = '';
  readonly pulse = new Pulse();

  constructor() {
    super();
    this.setEncoding('utf8');
    this.on('data', (chunk: string) => {
      this.output += chunk;
      this.pulse.notify();
    });
  }

  /** Frames drawn so far (each starts with cursor-home). */
  get frames(): string[] {
    return this.output.split('\x1b[H').slice(1);
  }

  waitForOutput(match: (output: string) => boolean, what: string): Promise<string> {
    return this.pulse.waitFor(() => match(this.output) && this.output, what);
  }
}

const views: TerminalStatus[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const view of views.splice(0)) view.stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function start(
  source: StatusSource,
  tty: FakeTty,
  extra: { intervalMs?: number; now?: () => number; color?: boolean; clock?: ManualClock; dashboardUrl?: string | null; logFile?: string | null; cwd?: string } = {},
): TerminalStatus {
  const view = startTerminalStatus(source, { stream: tty as unknown as NodeJS.WriteStream, version: '9.9.9', intervalMs: 60_000, color: false, ...extra });
  views.push(view);
  return view;
}

describe('startTerminalStatus (§13.4)', () => {
  it('takes over the terminal: alternate screen, hidden cursor, a first frame at once', () => {
    const tty = new FakeTty();
    start(new FakeSource(), tty);
    expect(tty.output.startsWith(`${ENTER_ALT}${HIDE_CURSOR}`)).toBe(true);
    expect(tty.frames).toHaveLength(1);
    expect(tty.frames[0]).toContain('symphony 9.9.9 · agents 0/5 · waiting 0 · blocked 0 · retrying 0');
    // Drawn in place: every line cleared to its end, the rest of the screen cleared after the frame.
    expect(tty.frames[0]).toMatch(/^\x1b\[1;1H.*\x1b\[K\x1b\[2;1H/);
    expect(tty.frames[0]?.endsWith('\x1b[K\x1b[J')).toBe(true);
    expect(frameLines(tty.frames[0] ?? '')[1]).toBe('Ctrl-C to stop');
    expect(frameLines(tty.frames[0] ?? '')[5]).toBe('Running (0)');
  });

  it('shows the dashboard URL and the log file (relative to the cwd) under the header', () => {
    const tty = new FakeTty();
    start(new FakeSource(), tty, { dashboardUrl: 'http://127.0.0.1:4711/', logFile: '/srv/project/log/symphony.log', cwd: '/srv/project' });
    expect(frameLines(tty.frames[0] ?? '')[1]).toBe('dashboard http://127.0.0.1:4711/ · log log/symphony.log · Ctrl-C to stop');
    const elsewhere = new FakeTty();
    start(new FakeSource(), elsewhere, { dashboardUrl: null, logFile: '/var/log/symphony/symphony.log', cwd: '/srv/project' });
    expect(frameLines(elsewhere.frames[0] ?? '')[1]).toBe('dashboard off (--port N or server.port) · log /var/log/symphony/symphony.log · Ctrl-C to stop');
  });

  it('redraws on a status event, with the new state', async () => {
    const source = new FakeSource();
    const tty = new FakeTty();
    start(source, tty);
    source.current = snapshot({
      counts: { running: 1, retrying: 0, claimed: 1, waiting: 0, blocked: 0 },
      running: [
        {
          issue_id: 'id-9', issue_identifier: 'SYM-9', issue_url: null, state: 'In Progress', session_id: null, turn_count: 1, last_event: 'session_started', last_message: 'turn 1 started',
          last_activity: { kind: 'turn', phase: 'started', tool: null, command: null, detail: 'turn 1 started', summary: 'session started' },
          started_at: new Date(T0).toISOString(), last_event_at: null, workspace_path: null, retry_attempt: null, stopping: null, tokens: { input_tokens: 0, output_tokens: 0, total_tokens: 0 }, waiting: false, issue_total_tokens: 0, resumed: false,
        },
      ],
    });
    source.emit('dispatch');
    await tty.waitForOutput((out) => out.includes('SYM-9'), 'a frame showing SYM-9');
    expect(tty.frames.at(-1)).toContain('agents 1/5');
    expect(tty.frames.at(-1)).toMatch(/SYM-9 .*session started/);
  });

  it('coalesces bursts of events into at most one frame per redraw gap', async () => {
    const source = new FakeSource();
    const tty = new FakeTty();
    start(source, tty);
    for (let i = 0; i < 50; i += 1) source.emit('agent_event');
    expect(tty.frames).toHaveLength(1); // never drawn from inside the listener
    await tty.waitForOutput(() => tty.frames.length >= 2, 'the coalesced frame');
    source.emit('agent_event');
    await tty.waitForOutput(() => tty.frames.length >= 3, 'the next frame');
    expect(tty.frames).toHaveLength(3);
  });

  it('redraws every interval of clock time so runtimes tick, from unref\'d timers', () => {
    const clock = new ManualClock(T0);
    const tty = new FakeTty();
    start(new FakeSource(), tty, { intervalMs: 1_000, clock });
    expect(tty.frames).toHaveLength(1);
    expect(clock.pending()).toEqual([expect.objectContaining({ delayMs: 1_000, unref: true })]);
    clock.advance(999);
    expect(tty.frames).toHaveLength(1);
    clock.advance(1);
    expect(tty.frames).toHaveLength(2);
    clock.advance(2_000);
    expect(tty.frames).toHaveLength(4);
  });

  it('spaces event-driven redraws MIN_REDRAW_GAP_MS apart on the clock, and stop() clears every timer', () => {
    const clock = new ManualClock(T0);
    const source = new FakeSource();
    const tty = new FakeTty();
    const view = start(source, tty, { clock });
    clock.advance(100);
    for (let i = 0; i < 10; i += 1) source.emit('agent_event');
    // The first frame was drawn at T0, so the coalesced redraw waits until T0 + the gap.
    const redraw = clock.pending().find((timer) => timer.dueAtMs === T0 + MIN_REDRAW_GAP_MS);
    expect(redraw).toMatchObject({ delayMs: MIN_REDRAW_GAP_MS - 100, unref: true });
    clock.advance(MIN_REDRAW_GAP_MS - 101);
    expect(tty.frames).toHaveLength(1);
    clock.advance(1);
    expect(tty.frames).toHaveLength(2);
    source.emit('agent_event');
    expect(clock.pending().some((timer) => timer.delayMs === MIN_REDRAW_GAP_MS)).toBe(true);
    view.stop();
    expect(clock.pending()).toEqual([]);
  });

  it('reads the time from the clock when no now() is given', () => {
    const clock = new ManualClock(T0);
    const source = new FakeSource();
    const tty = new FakeTty();
    start(source, tty, { clock, intervalMs: 4_000 });
    source.current = snapshot({ codex_totals: { input_tokens: 1800, output_tokens: 200, total_tokens: 2000, seconds_running: 4 } });
    clock.advance(4_000);
    expect(tty.frames.at(-1)).toContain('throughput 500 tok/s');
  });

  it('redraws on resize to the new size, clearing the screen first', () => {
    const source = new FakeSource();
    source.current = snapshot({ config: { workflow_path: `/srv/${'w'.repeat(80)}.md`, loaded_at: new Date(T0).toISOString(), last_reload: null, last_rejected: null } });
    const tty = new FakeTty();
    start(source, tty);
    tty.columns = 40;
    tty.rows = 6;
    tty.emit('resize');
    const frame = tty.output.slice(tty.output.lastIndexOf('\x1b[2J'));
    const lines = frameLines(frame);
    expect(lines.length).toBeLessThanOrEqual(6);
    // The last column stays empty (no pending wrap on a full line).
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(39);
    expect(lines.some((line) => line.endsWith('…'))).toBe(true);
  });

  it('computes throughput from successive snapshots', async () => {
    let now = T0;
    const source = new FakeSource();
    const tty = new FakeTty();
    start(source, tty, { now: () => now });
    expect(tty.frames[0]).toContain('throughput 0 tok/s');
    now += 4_000;
    source.current = snapshot({ codex_totals: { input_tokens: 1800, output_tokens: 200, total_tokens: 2000, seconds_running: 4 } });
    source.emit('agent_event');
    await tty.waitForOutput((out) => out.includes('throughput 500 tok/s'), 'a frame with 500 tok/s');
  });

  it('shows a failing snapshot as one line and keeps running', async () => {
    const source = new FakeSource();
    const tty = new FakeTty();
    start(source, tty);
    source.current = new Error('state unavailable\x1b[2J');
    source.emit('run_ended');
    await tty.waitForOutput((out) => out.includes('symphony: status unavailable: state unavailable [2J'), 'the error line');
    source.current = snapshot();
    source.emit('dispatch');
    await tty.waitForOutput(() => tty.frames.at(-1)?.includes('agents 0/5') === true, 'the view again');
  });

  it('stop() restores the cursor and the main screen, leaves a summary line and stops drawing', () => {
    const source = new FakeSource();
    const tty = new FakeTty();
    const view = start(source, tty);
    source.current = snapshot({ codex_totals: { input_tokens: 1200, output_tokens: 300, total_tokens: 1500, seconds_running: 242 } });
    view.stop();
    expect(tty.output.endsWith(`${SHOW_CURSOR}${LEAVE_ALT}symphony 9.9.9 · agents 0/5 · waiting 0 · blocked 0 · retrying 0 · tokens in 1,200 out 300 total 1,500 · runtime 4m 02s\n`)).toBe(true);
    expect(source.listeners.size).toBe(0);
    expect(tty.listenerCount('resize')).toBe(0);
    const length = tty.output.length;
    view.stop();
    tty.emit('resize');
    expect(tty.output).toHaveLength(length);
  });

  it('uses colour only when asked (or when the stream says it has colours)', () => {
    const plainTty = new FakeTty();
    start(new FakeSource(), plainTty, { color: false });
    expect(plainTty.frames[0]).not.toMatch(/\x1b\[[0-9;]*m/);
    const colorTty = new FakeTty();
    start(new FakeSource(), colorTty, { color: true });
    expect(colorTty.frames[0]).toContain('\x1b[1msymphony 9.9.9\x1b[0m');
  });
});

describe('tokenThroughput', () => {
  it('is tokens per second between the first and last sample, never negative', () => {
    expect(tokenThroughput([])).toBe(0);
    expect(tokenThroughput([{ atMs: 0, totalTokens: 10 }])).toBe(0);
    expect(tokenThroughput([{ atMs: 0, totalTokens: 0 }, { atMs: 500, totalTokens: 100 }, { atMs: 2000, totalTokens: 1000 }])).toBe(500);
    expect(tokenThroughput([{ atMs: 0, totalTokens: 100 }, { atMs: 1000, totalTokens: 50 }])).toBe(0);
    expect(tokenThroughput([{ atMs: 1000, totalTokens: 0 }, { atMs: 1000, totalTokens: 50 }])).toBe(0);
  });
});

describe('shouldUseTerminalStatus', () => {
  it('is on for a TTY unless SYMPHONY_NO_TUI is set or TERM is dumb', () => {
    expect(shouldUseTerminalStatus({ isTTY: true }, {})).toBe(true);
    expect(shouldUseTerminalStatus({ isTTY: true }, { TERM: 'xterm-256color', SYMPHONY_NO_TUI: '' })).toBe(true);
    expect(shouldUseTerminalStatus({ isTTY: true }, { SYMPHONY_NO_TUI: '0' })).toBe(true);
    expect(shouldUseTerminalStatus({ isTTY: true }, { SYMPHONY_NO_TUI: '1' })).toBe(false);
    expect(shouldUseTerminalStatus({ isTTY: true }, { SYMPHONY_NO_TUI: 'yes' })).toBe(false);
    expect(shouldUseTerminalStatus({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(shouldUseTerminalStatus({ isTTY: false }, {})).toBe(false);
    expect(shouldUseTerminalStatus({}, {})).toBe(false);
  });
});

describe('createLogger({ console: false }) (§13.2)', () => {
  class Capture extends Writable {
    text = '';
    override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
      this.text += chunk.toString('utf8');
      done();
    }
  }
  const flushed = (logger: ReturnType<typeof createLogger>): Promise<void> => new Promise((resolve) => logger.flush(() => resolve()));

  it('sends nothing to stdout and everything to <logs-root>/symphony.log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-tui-log-'));
    dirs.push(dir);
    const stdout = new Capture();
    const logger = createLogger({ logsRoot: path.join(dir, 'log'), console: false, stdout, level: 'info' });
    logger.info({ issue_identifier: 'SYM-1' }, 'hello file');
    await flushed(logger);
    expect(stdout.text).toBe('');
    // The file destination opens asynchronously; nothing signals when the line lands on disk.
    const file = path.join(dir, 'log', 'symphony.log');
    const text = await eventually(() => existsSync(file) && readFileSync(file, 'utf8').includes('hello file') && readFileSync(file, 'utf8'), 'the line in symphony.log');
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'hello file', issue_identifier: 'SYM-1', level: 'info' });
  });

  it('without a logs root drops everything quietly', async () => {
    const stdout = new Capture();
    const logger = createLogger({ console: false, stdout, level: 'info' });
    logger.info('nowhere');
    await flushed(logger);
    expect(stdout.text).toBe('');
  });

  it('falls back to stdout with a warning when the log file cannot be opened', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-tui-log-'));
    dirs.push(dir);
    const notADir = path.join(dir, 'file');
    await writeFile(notADir, 'x');
    const stdout = new Capture();
    const logger = createLogger({ logsRoot: notADir, console: false, stdout, level: 'info' });
    logger.info('still visible');
    await flushed(logger);
    expect(stdout.text).toContain('log file sink unavailable; logging to stdout only');
    expect(stdout.text).toContain('still visible');
  });
});

/**
 * The terminal status view (spec §13.4, issue 3 item 6): one screenful of text rendered from a
 * {@link StatusSnapshot}. Pure: the caller passes the clock, the terminal size and the throughput;
 * `startTerminalStatus` in `terminal-status.ts` draws it.
 *
 * Layout, top to bottom: a header (version, agents running/max, waiting, blocked, retrying), where
 * to look (the dashboard URL, the log file, "Ctrl-C to stop"), usage (throughput, tokens
 * in/out/total, runtime), rate limits in words, config status (a rejected edit says what is wrong
 * before where), then the running table, the waiting-for-operator rows, the blocked rows, the
 * retry queue and the last runs that ended ("recently finished"). Every line fits `columns`
 * (cut with `…`); when the tables do not fit `rows`, rows are elided per table behind `+N more`.
 * Text that came from agents or the tracker is stripped of control characters, so it can never
 * move the cursor or change colours.
 */
import path from 'node:path';
import type { StatusSnapshot } from '../status/types.js';
import { ago, clean, clip, compact, describeEvent, describeRejection, exact, formatDuration, rateLimitSegments, SEP, until, width, type Seg, type Style } from './status-format.js';

/** How many of the snapshot's `recent_runs` the view lists. */
export const RECENT_RUNS_SHOWN = 5;

/** Options of {@link renderStatusView}. */
export interface StatusViewOptions {
  /** The clock (epoch ms): runtimes, "due in" and "ago" are computed against it. */
  readonly nowMs: number;
  /** Terminal width in character cells; every line is at most this wide. Values < 1 count as 1. */
  readonly columns: number;
  /** Terminal height in lines; the result has at most this many lines. Values < 1 count as 1. */
  readonly rows: number;
  /** Whether to use ANSI colours (SGR sequences only; never cursor movement). */
  readonly color: boolean;
  /** Tokens per second over the last ~10 s (see `tokenThroughput` in `terminal-status.ts`). */
  readonly throughput: number;
  /** Shown after "symphony" in the header when given. */
  readonly version?: string;
  /**
   * The dashboard's URL, shown under the header; `null` says the dashboard is off (and how to turn
   * it on); absent shows nothing about it.
   */
  readonly dashboardUrl?: string | null;
  /** Where the JSON logs go, as it should be shown (e.g. relative to the cwd); absent or null shows nothing. */
  readonly logFile?: string | null;
}

type Line = readonly Seg[];

interface Section {
  readonly title: Line;
  readonly header: Line | null;
  readonly rows: readonly Line[];
  readonly empty: string | null;
}

const SGR: Readonly<Record<Style, string>> = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' };

/**
 * Renders the status view: lines joined by `\n`, no trailing newline, at most `rows` lines, each at
 * most `columns` cells wide. Implements spec §13.4 (human-readable status surface, from the
 * snapshot only) and the §13.5 presentation of runtime and rate limits. Never throws on odd
 * snapshot contents (unknown rate-limit shapes are shown compactly).
 */
export function renderStatusView(snapshot: StatusSnapshot, options: StatusViewOptions): string {
  const columns = Math.max(1, Math.floor(options.columns));
  const rows = Math.max(1, Math.floor(options.rows));
  const now = options.nowMs;
  const top: Line[] = [
    headerLine(snapshot, options.version),
    whereLine(options),
    usageLine(snapshot, options.throughput),
    [{ text: 'rate limits ', style: 'bold' }, ...rateLimitSegments(snapshot.rate_limits, now)],
    configLine(snapshot, now),
    ...dispatchLines(snapshot, now),
  ];
  const sections = [runningSection(snapshot, now), waitingSection(snapshot, now), blockedSection(snapshot, now), skippedSection(snapshot, now), retrySection(snapshot, now), recentSection(snapshot, now)].filter(
    (s): s is Section => s !== null,
  );
  const fixed = top.length + sections.reduce((n, s) => n + 1 + (s.rows.length > 0 ? (s.header ? 1 : 0) : s.empty ? 1 : 0), 0);
  const budgets = allocate(sections.map((s) => s.rows.length), rows - fixed);
  const lines: Line[] = [...top];
  sections.forEach((section, i) => {
    lines.push(section.title);
    if (section.rows.length === 0) {
      if (section.empty) lines.push([{ text: `  ${section.empty}`, style: 'dim' }]);
      return;
    }
    if (section.header) lines.push(section.header);
    const budget = budgets[i] ?? 0;
    if (budget >= section.rows.length) lines.push(...section.rows);
    else if (budget > 0) {
      lines.push(...section.rows.slice(0, budget - 1));
      lines.push([{ text: `  +${section.rows.length - (budget - 1)} more`, style: 'dim' }]);
    }
  });
  return lines
    .slice(0, rows)
    .map((line) => fitLine(line, columns, options.color))
    .join('\n');
}

/** Shares `budget` lines among tables one row at a time (round-robin), so each table shows some rows. */
function allocate(counts: readonly number[], budget: number): number[] {
  const given = counts.map(() => 0);
  let left = Math.max(0, budget);
  for (let progress = true; left > 0 && progress; ) {
    progress = false;
    counts.forEach((count, i) => {
      if (left > 0 && (given[i] ?? 0) < count) {
        given[i] = (given[i] ?? 0) + 1;
        left -= 1;
        progress = true;
      }
    });
  }
  return given;
}

function headerLine(s: StatusSnapshot, version: string | undefined): Line {
  return [
    { text: version ? `symphony ${version}` : 'symphony', style: 'bold' },
    SEP,
    { text: `agents ${s.counts.running}/${s.max_concurrent_agents}`, style: 'green' },
    SEP,
    { text: `waiting ${s.counts.waiting}`, ...(s.counts.waiting > 0 ? { style: 'yellow' as const } : {}) },
    SEP,
    { text: `blocked ${s.counts.blocked}`, ...(s.counts.blocked > 0 ? { style: 'red' as const } : {}) },
    SEP,
    { text: `retrying ${s.counts.retrying}` },
  ];
}

/** Where to look and how to stop: `dashboard http://127.0.0.1:8080/ · log log/symphony.log · Ctrl-C to stop`. */
function whereLine(options: StatusViewOptions): Line {
  const line: Seg[] = [];
  if (options.dashboardUrl === null) line.push({ text: 'dashboard off (--port N or server.port)', style: 'dim' }, SEP);
  else if (options.dashboardUrl !== undefined) line.push({ text: 'dashboard ', style: 'dim' }, { text: clean(options.dashboardUrl), style: 'cyan' }, SEP);
  if (options.logFile) line.push({ text: 'log ', style: 'dim' }, { text: clean(options.logFile) }, SEP);
  line.push({ text: 'Ctrl-C to stop', style: 'dim' });
  return line;
}

function usageLine(s: StatusSnapshot, throughput: number): Line {
  const t = s.codex_totals;
  const rate = Number.isFinite(throughput) && throughput > 0 ? Math.round(throughput) : 0;
  return [
    { text: `throughput ${exact(rate)} tok/s`, style: 'cyan' },
    SEP,
    { text: `tokens in ${exact(t.input_tokens)} out ${exact(t.output_tokens)} total ${exact(t.total_tokens)}` },
    SEP,
    { text: `runtime ${formatDuration(t.seconds_running * 1000)}` },
  ];
}

function configLine(s: StatusSnapshot, now: number): Line {
  const c = s.config;
  const line: Seg[] = [{ text: 'workflow ', style: 'bold' }, { text: clean(path.basename(c.workflow_path)) }];
  if (c.last_reload) {
    const changed = c.last_reload.changed.length > 0 ? ` (${c.last_reload.changed.map(clean).join(', ')})` : '';
    line.push(SEP, { text: `reloaded ${ago(c.last_reload.at, now)}${changed}` });
  } else {
    line.push(SEP, { text: `loaded ${ago(c.loaded_at, now)}` });
  }
  if (c.last_rejected) line.push(SEP, { text: `rejected edit ${ago(c.last_rejected.at, now)}: ${describeRejection(c.last_rejected.reason, c.workflow_path)}`, style: 'red' });
  return line;
}

/**
 * While dispatch is paused (WORKFLOW.md invalid), one red line saying so (issue 7 item 5), the
 * error's message first: `dispatch: paused — WORKFLOW.md invalid for 1m 00s: <message> — <code>`.
 */
function dispatchLines(s: StatusSnapshot, now: number): Line[] {
  const d = s.dispatch;
  if (d.state !== 'paused') return [];
  if (d.reason === null || d.paused_since === null) return [[{ text: clean(d.summary), style: 'red' }]];
  const file = clean(path.basename(s.config.workflow_path));
  const since = Date.parse(d.paused_since);
  const period = Number.isFinite(since) ? ` for ${formatDuration(now - since)}` : '';
  return [[{ text: `dispatch: paused — ${file} invalid${period}: ${describeRejection(d.reason, s.config.workflow_path, false)}`, style: 'red' }]];
}

function runningSection(s: StatusSnapshot, now: number): Section {
  // The runtime column appears once more than one runtime runs (issue 8).
  const mixed = new Set(s.running.map((r) => r.runtime ?? '')).size > 1;
  const rows = s.running.map((r): Seg[] => {
    const event = r.stopping
      ? { text: `stopping: ${clean(r.stopping)}`, style: 'red' as const }
      : r.waiting
        ? { text: 'waiting for operator', style: 'yellow' as const }
        : { text: r.last_activity === null ? describeEvent(r.last_event, r.last_message) : clean(r.last_activity.summary) };
    const when = r.last_event_at ? `  ${ago(r.last_event_at, now)}` : '';
    return [
      { text: clean(r.issue_identifier), style: 'cyan' },
      ...(mixed ? [{ text: clean(r.runtime ?? '?'), style: 'dim' as const }] : []),
      { text: clean(r.state) },
      { text: `${r.turn_count}/${s.max_turns}` },
      { text: formatDuration(now - Date.parse(r.started_at)) },
      { text: compact(r.tokens.total_tokens) },
      { ...event, text: event.text + when },
    ];
  });
  const names = mixed ? ['ISSUE', 'AGENT', 'STATE', 'TURN', 'RUNTIME', 'TOKENS', 'LAST EVENT'] : ['ISSUE', 'STATE', 'TURN', 'RUNTIME', 'TOKENS', 'LAST EVENT'];
  const caps = mixed ? [16, 6, 14, 7, 8, 7] : [16, 14, 7, 8, 7];
  return table(`Running (${s.running.length})`, names, caps, rows, 'no agents running');
}

/** Candidates not dispatched for a setup reason (a bad `runtime:<kind>` label); none → no section. */
function skippedSection(s: StatusSnapshot, now: number): Section | null {
  const skipped = s.skipped ?? [];
  if (skipped.length === 0) return null;
  const rows = skipped.map((k): Seg[] => [
    { text: clean(k.issue_identifier), style: 'cyan' },
    { text: clean(k.state) },
    { text: ago(k.since, now) },
    { text: clean(k.reason), style: 'yellow' },
  ]);
  return table(`Not dispatched (${skipped.length})`, ['ISSUE', 'STATE', 'SINCE', 'REASON'], [16, 14, 12], rows, null);
}

function waitingSection(s: StatusSnapshot, now: number): Section | null {
  if (s.waiting.length === 0) return null;
  const rows = s.waiting.map((w): Seg[] => {
    const what = w.kind === 'approval' ? `${clean(w.summary)}${w.cwd ? ` (in ${clean(w.cwd)})` : ''}` : clean(w.summary);
    return [
      { text: clean(w.issue_identifier), style: 'cyan' },
      { text: w.kind === 'approval' ? 'approval' : 'input', style: 'yellow' },
      { text: formatDuration(now - Date.parse(w.since)) },
      { text: until(w.deadline, now) },
      { text: what },
    ];
  });
  return table(`Waiting for operator (${s.waiting.length})`, ['ISSUE', 'ASKS', 'WAITING', 'FAILS IN', 'REQUEST'], [16, 8, 8, 8], rows, null);
}

function blockedSection(s: StatusSnapshot, now: number): Section | null {
  if (s.blocked.length === 0) return null;
  const rows = s.blocked.map((b): Seg[] => [
    { text: clean(b.issue_identifier), style: 'cyan' },
    { text: clean(b.state) },
    { text: ago(b.since, now) },
    { text: clean(b.reason), style: 'red' },
  ]);
  return table(`Blocked until the issue changes state (${s.blocked.length})`, ['ISSUE', 'STATE', 'SINCE', 'REASON'], [16, 14, 12], rows, null);
}

function retrySection(s: StatusSnapshot, now: number): Section {
  const rows = s.retrying.map((r): Seg[] => [
    { text: clean(r.issue_identifier), style: 'cyan' },
    { text: `#${r.attempt}` },
    { text: until(r.due_at, now) },
    r.kind === 'continuation' ? { text: 'continuation (issue still active)', style: 'dim' } : { text: clean(r.error ?? 'failed'), style: 'red' },
  ]);
  return table(`Retry queue (${s.retrying.length})`, ['ISSUE', 'ATTEMPT', 'DUE IN', 'REASON'], [16, 7, 8], rows, 'empty');
}

/** The last runs that ended, newest first (at most {@link RECENT_RUNS_SHOWN}); none → no section. */
function recentSection(s: StatusSnapshot, now: number): Section | null {
  const runs = (s.recent_runs ?? []).slice(0, RECENT_RUNS_SHOWN);
  if (runs.length === 0) return null;
  const outcomeStyle: Readonly<Record<string, Style>> = { completed: 'green', failed: 'red', stopped: 'yellow', blocked: 'red' };
  const rows = runs.map((r): Seg[] => {
    const style = outcomeStyle[r.outcome];
    return [
      { text: clean(r.issue_identifier), style: 'cyan' },
      { text: clean(r.outcome), ...(style ? { style } : {}) },
      { text: ago(r.ended_at, now) },
      { text: formatDuration(r.duration_ms) },
      { text: r.reason === null ? '' : clean(r.reason), style: 'dim' },
    ];
  });
  return table('Recently finished', ['ISSUE', 'OUTCOME', 'ENDED', 'RAN', 'REASON'], [16, 9, 12, 8], rows, null);
}

/** A section whose columns are as wide as their content (capped); the last column takes the rest. */
function table(title: string, names: readonly string[], caps: readonly number[], cells: readonly (readonly Seg[])[], empty: string | null): Section {
  const widths = caps.map((cap, i) => Math.min(cap, Math.max(width(names[i] ?? ''), ...cells.map((row) => width(row[i]?.text ?? '')))));
  const layout = (row: readonly Seg[]): Line => {
    const out: Seg[] = [{ text: '  ' }];
    row.forEach((seg, i) => {
      const w = widths[i];
      if (w === undefined) {
        out.push(seg);
        return;
      }
      const text = width(seg.text) > w ? `${clip(seg.text, w - 1)}…` : seg.text;
      out.push({ ...seg, text }, { text: ' '.repeat(w - width(text) + 2) });
    });
    return out;
  };
  return {
    title: [{ text: title, style: 'bold' }],
    header: layout(names.map((text) => ({ text, style: 'dim' as const }))),
    rows: cells.map(layout),
    empty,
  };
}

function fitLine(line: Line, columns: number, color: boolean): string {
  const total = line.reduce((n, seg) => n + width(seg.text), 0);
  const room = total > columns ? columns - 1 : columns;
  let used = 0;
  let out = '';
  for (const seg of line) {
    if (used >= room) break;
    const part = clip(seg.text, room - used);
    used += width(part);
    out += color && seg.style && part !== '' ? `\x1b[${SGR[seg.style]}m${part}\x1b[0m` : part;
  }
  return total > columns ? `${out}…` : out.trimEnd();
}

/**
 * The one-line summary left on the terminal when the status view stops, e.g.
 * `symphony 0.1.0 · agents 0/10 · waiting 0 · blocked 0 · retrying 1 · tokens in 1,200 out 300 total 1,500 · runtime 4m 02s`.
 * Plain text (no colour, no width limit). Pure.
 */
export function summaryLine(snapshot: StatusSnapshot, version?: string): string {
  const t = snapshot.codex_totals;
  return [
    ...headerLine(snapshot, version).filter((seg) => seg !== SEP).map((seg) => seg.text),
    `tokens in ${exact(t.input_tokens)} out ${exact(t.output_tokens)} total ${exact(t.total_tokens)}`,
    `runtime ${formatDuration(t.seconds_running * 1000)}`,
  ].join(' · ');
}

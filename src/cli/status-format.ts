/**
 * Formatting helpers of the terminal status view (spec §13.4–§13.6): plain-words agent events,
 * readable Codex rate limits, durations and counts, and terminal-cell width of text. Pure.
 */

/** A colour or emphasis of a {@link Seg} (applied as ANSI SGR only when colour is on). */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/** A run of text with one style; a rendered line is a list of them. */
export interface Seg {
  readonly text: string;
  readonly style?: Style;
}

/** The separator between items of a line. */
export const SEP: Seg = { text: ' · ', style: 'dim' };

/** Agent events in plain words: one implementation, shared with the status events (src/domain/words.ts). */
import { clean } from '../domain/words.js';
export { clean, describeEvent } from '../domain/words.js';

/**
 * Codex rate limits (`account/rateLimits/updated` → `rateLimits`: `limitName`/`limitId`,
 * `planType`, `primary`/`secondary` windows of `{ usedPercent, windowDurationMins, resetsAt }` with
 * `resetsAt` in Unix seconds, `credits`, `rateLimitReachedType`) in words, as the dashboard says
 * them (`assets/dashboard/format.js` `describeRateLimits`), e.g.
 * `codex (pro plan): primary 42% used · 5h window · resets in 1h 12m · secondary 8% used · 7d window · credits 12.50`.
 * snake_case keys are tolerated; any other shape is put in words from its keys and values
 * (`remaining 5 · bucket (name chat, used 3)`), never as raw JSON. One line, no width limit (the
 * view cuts it). Spec §13.5 (presentation is ours). Pure.
 */
export function formatRateLimits(value: unknown, nowMs: number): string {
  return rateLimitSegments(value, nowMs)
    .map((s) => s.text)
    .join('');
}

/** {@link formatRateLimits} as styled segments (a window ≥ 90 % used is red, ≥ 70 % yellow). */
export function rateLimitSegments(value: unknown, now: number): Seg[] {
  if (value === null || value === undefined) return [{ text: 'none reported yet', style: 'dim' }];
  if (typeof value !== 'object' || Array.isArray(value)) return [{ text: genericWords(value) || 'unreadable report', style: 'dim' }];
  const limits = value as Record<string, unknown>;
  const parts: Seg[] = [];
  for (const label of ['primary', 'secondary']) {
    const window = windowText(label, limits[label], now);
    if (window) parts.push(window);
  }
  const credits = creditsText(limits.credits);
  if (credits) parts.push({ text: credits });
  const reached = pick(limits, 'rateLimitReachedType', 'rate_limit_reached_type');
  if (reached !== undefined && reached !== false) parts.push({ text: `limit reached${typeof reached === 'string' ? ` (${toWords(clean(reached))})` : ''}`, style: 'red' });
  if (parts.length === 0) return [{ text: genericWords(limits) || 'empty report', style: 'dim' }];
  const joined = parts.flatMap((part, i) => (i === 0 ? [part] : [SEP, part]));
  const title = planTitle(limits);
  return title === null ? joined : [{ text: `${title}:`, style: 'dim' }, { text: ' ' }, ...joined];
}

/** `codex (pro plan)`, `codex`, `pro plan`, or null, from the limit's name/id and plan type. */
function planTitle(limits: Record<string, unknown>): string | null {
  const name = pick(limits, 'limitName', 'limit_name') ?? pick(limits, 'limitId', 'limit_id');
  const plan = pick(limits, 'planType', 'plan_type');
  const named = typeof name === 'string' && name.trim() !== '' ? clean(name).trim() : null;
  const planned = typeof plan === 'string' && plan.trim() !== '' ? `${clean(plan).trim()} plan` : null;
  if (named && planned) return `${named} (${planned})`;
  return named ?? planned;
}

/** One window: `primary 42% used · 5h window · resets in 1h 12m`; null without a percentage. */
function windowText(label: string, window: unknown, now: number): Seg | null {
  if (typeof window !== 'object' || window === null) return null;
  const w = window as Record<string, unknown>;
  const used = pick(w, 'usedPercent', 'used_percent');
  if (typeof used !== 'number' || !Number.isFinite(used)) return null;
  const words = [`${label} ${Math.round(used)}% used`];
  const mins = pick(w, 'windowDurationMins', 'window_duration_mins', 'windowMinutes', 'window_minutes');
  if (typeof mins === 'number' && Number.isFinite(mins) && mins > 0) words.push(`${windowLength(mins)} window`);
  const resets = pick(w, 'resetsAt', 'resets_at');
  const resetMs = typeof resets === 'number' ? (resets < 1e12 ? resets * 1000 : resets) : typeof resets === 'string' ? Date.parse(resets) : NaN;
  const resetsIn = pick(w, 'resetsInSeconds', 'resets_in_seconds');
  if (Number.isFinite(resetMs)) words.push(resetMs > now ? `resets in ${formatDuration(resetMs - now)}` : 'reset due');
  else if (typeof resetsIn === 'number' && Number.isFinite(resetsIn)) words.push(resetsIn > 0 ? `resets in ${formatDuration(resetsIn * 1000)}` : 'reset due');
  const text = words.join(' · ');
  return used >= 90 ? { text, style: 'red' } : used >= 70 ? { text, style: 'yellow' } : { text };
}

function creditsText(credits: unknown): string | null {
  if (typeof credits !== 'object' || credits === null) return null;
  const c = credits as Record<string, unknown>;
  if (pick(c, 'unlimited') === true) return 'credits unlimited';
  const balance = pick(c, 'balance');
  if ((typeof balance === 'string' && balance !== '') || typeof balance === 'number') return `credits ${clean(String(balance))}`;
  return pick(c, 'hasCredits', 'has_credits') === false ? 'no credits' : null;
}

function pick(record: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (record[key] !== undefined && record[key] !== null) return record[key];
  return undefined;
}

/** 300 → "5h", 10080 → "7d", 90 → "90m". */
function windowLength(mins: number): string {
  if (mins % 1440 === 0) return `${mins / 1440}d`;
  if (mins % 60 === 0) return `${mins / 60}h`;
  return `${Math.round(mins)}m`;
}

/** Most entries {@link genericWords} lists per object before `+N more`. */
const GENERIC_ENTRIES = 6;

/**
 * Any JSON value in words, for report shapes we do not know: `{ remaining: 5, resetAfter: 30 }` →
 * `remaining 5 · reset after 30`; nested objects in parentheses (two levels, then `…`), arrays
 * as their count; null entries skipped. Control characters removed. Pure.
 */
export function genericWords(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return clean(value).trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value !== 'object') return '';
  if (depth >= 2) return '…';
  const entries = Object.entries(value as Record<string, unknown>)
    .map(([key, v]) => {
      const words = genericWords(v, depth + 1);
      if (words === '') return null;
      return typeof v === 'object' && !Array.isArray(v) ? `${toWords(clean(key))} (${words})` : `${toWords(clean(key))} ${words}`;
    })
    .filter((entry): entry is string => entry !== null);
  const shown = entries.slice(0, GENERIC_ENTRIES);
  if (entries.length > shown.length) shown.push(`+${entries.length - shown.length} more`);
  return shown.join(depth === 0 ? ' · ' : ', ');
}

/** `usedPercent` / `primary_window` → "used percent" / "primary window". */
function toWords(key: string): string {
  return key.replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim();
}

/** A rejected workflow edit taken apart: what is wrong first, then the error code and where. */
export interface RejectionParts {
  /** What is wrong, key path first when the error names one, e.g. `agent.max_turns must be a positive integer (got "many")`. */
  readonly message: string;
  /** The error category (`invalid_config`, `workflow_parse_error`…), or null when the line has none. */
  readonly code: string | null;
  /** The file (base name) with `:line:col` when the error gave one, or null when it named no file. */
  readonly where: string | null;
}

const CODE_PREFIX = /^([a-z][a-z0-9_]*): /;
/** An absolute path (POSIX or Windows) up to its first `:`, then an optional `:line[:col]`, then `: `. */
const PATH_PREFIX = /^((?:[A-Za-z]:)?[\\/][^:\n]*?)((?::\d+){0,2}): /;

/**
 * Takes apart a rejected-edit line (`ConfigStatus.last_rejected.reason`, `DispatchStatus.reason`),
 * which reads `<code>: <absolute path>[:line:col]: <message>`, so that a view can show the message
 * (with the key name) first instead of losing it behind a long path. Any other mention of
 * `workflowPath` in the message is shortened to its base name. Lines of another shape come back
 * as the message. Control characters removed. Pure.
 */
export function rejectionParts(reason: string, workflowPath: string): RejectionParts {
  let rest = clean(reason).trim();
  const code = CODE_PREFIX.exec(rest)?.[1] ?? null;
  if (code !== null) rest = rest.slice(code.length + 2);
  let where: string | null = null;
  const located = PATH_PREFIX.exec(rest);
  if (located) {
    where = `${baseName(located[1] ?? '')}${located[2] ?? ''}`;
    rest = rest.slice(located[0].length);
  }
  const base = baseName(workflowPath);
  const message = workflowPath === '' ? rest : rest.split(workflowPath).join(base);
  return { message: message.trim() === '' ? clean(reason).trim() : message, code, where };
}

/**
 * A rejected-edit line with the message first: `<message> — <code> in <file[:line:col]>`, e.g.
 * `agent.max_turns must be a positive integer (got "many") — invalid_config in WORKFLOW.md`.
 * `withFile: false` leaves the file out unless it carries a line number. Pure.
 */
export function describeRejection(reason: string, workflowPath: string, withFile = true): string {
  const { message, code, where } = rejectionParts(reason, workflowPath);
  const file = where !== null && (withFile || /:\d+$/.test(where)) ? where : null;
  const tail = code === null ? file : file === null ? code : `${code} in ${file}`;
  return tail === null ? message : `${message} — ${tail}`;
}

/** The last path segment of a POSIX or Windows path. */
function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/**
 * A path as short as it stays unambiguous for the person at the terminal: relative to `cwd` when
 * inside it (`log/symphony.log`), `~/…` when inside `home`, else as given. Pure (POSIX paths).
 */
export function shortPath(file: string, cwd: string, home: string | null = null): string {
  const inside = (dir: string): string | null => {
    const root = dir.endsWith('/') ? dir : `${dir}/`;
    return dir !== '' && file.startsWith(root) && file.length > root.length ? file.slice(root.length) : null;
  };
  const relative = inside(cwd);
  if (relative !== null) return relative;
  const underHome = home === null ? null : inside(home);
  return underHome === null ? file : `~/${underHome}`;
}

/** A duration in ms as `12s`, `4m 02s`, `1h 02m` or `2d 3h`; negative or invalid counts as 0. */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : 0;
  const [d, h, m, s] = [Math.floor(total / 86400), Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60];
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
}

/** `<duration> ago` from an ISO time to `now` (epoch ms); `?` when unparsable. */
export function ago(iso: string, now: number): string {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${formatDuration(now - t)} ago` : '?';
}

/** Time from `now` (epoch ms) to an ISO time; `now` once due, `?` when unparsable. */
export function until(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '?';
  return t <= now ? 'now' : formatDuration(t - now);
}

/** An exact count with thousands separators: 12345 → "12,345". */
export function exact(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 950 → "950", 12345 → "12.3k", 1234567 → "1.2M". */
export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 100_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}


/** Cells a code point takes: 0 for combining marks, 2 for East Asian wide and emoji, else 1 (approximate). */
function cells(cp: number): number {
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  )
    return 2;
  return 1;
}

/** Display width of `text` in terminal cells. */
export function width(text: string): number {
  let w = 0;
  for (const ch of text) w += cells(ch.codePointAt(0) ?? 0);
  return w;
}

/** The longest prefix of `text` at most `max` cells wide. */
export function clip(text: string, max: number): string {
  let w = 0;
  let out = '';
  for (const ch of text) {
    const c = cells(ch.codePointAt(0) ?? 0);
    if (w + c > max) break;
    w += c;
    out += ch;
  }
  return out;
}


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

/** Agent events in plain words: one implementation, shared with the status events (src/status/words.ts). */
import { clean } from '../status/words.js';
export { clean, describeEvent } from '../status/words.js';

/**
 * Codex rate limits (`account/rateLimits/updated` → `rateLimits`: `limitName`/`limitId`,
 * `primary`/`secondary` windows of `{ usedPercent, windowDurationMins, resetsAt }` with `resetsAt`
 * in Unix seconds, `credits`, `rateLimitReachedType`) in readable form, e.g.
 * `primary 42% of 5h, resets in 1h 12m · secondary 8% of 7d · credits 12.50`. snake_case keys are
 * tolerated; other shapes are shown as compact JSON. Spec §13.5 (presentation is ours).
 */
export function formatRateLimits(value: unknown, nowMs: number): string {
  return rateLimitSegments(value, nowMs)
    .map((s) => s.text)
    .join('');
}

/** {@link formatRateLimits} as styled segments (≥ 90 % used red, ≥ 70 % yellow). */
export function rateLimitSegments(value: unknown, now: number): Seg[] {
  if (value === null || value === undefined) return [{ text: 'none reported yet', style: 'dim' }];
  if (typeof value !== 'object' || Array.isArray(value)) return [{ text: clean(JSON.stringify(value) ?? 'unknown') }];
  const limits = value as Record<string, unknown>;
  const parts: Seg[] = [];
  const name = pick(limits, 'limitName', 'limit_name') ?? pick(limits, 'limitId', 'limit_id');
  const named = typeof name === 'string' && name !== '';
  if (named) parts.push({ text: `${clean(name)}:`, style: 'dim' });
  for (const label of ['primary', 'secondary']) {
    const window = windowText(label, limits[label], now);
    if (window) parts.push(window);
  }
  const credits = creditsText(limits.credits);
  if (credits) parts.push({ text: credits });
  const reached = pick(limits, 'rateLimitReachedType', 'rate_limit_reached_type');
  if (reached !== null && reached !== undefined && reached !== false) parts.push({ text: `limit reached${typeof reached === 'string' ? ` (${clean(reached)})` : ''}`, style: 'red' });
  if (parts.length === (named ? 1 : 0)) return [{ text: clean(JSON.stringify(value)) }];
  return parts.flatMap((part, i) => (i === 0 ? [part] : [i === 1 && name ? { text: ' ' } : SEP, part]));
}

function windowText(label: string, window: unknown, now: number): Seg | null {
  if (typeof window !== 'object' || window === null) return null;
  const w = window as Record<string, unknown>;
  const used = pick(w, 'usedPercent', 'used_percent');
  if (typeof used !== 'number') return null;
  const mins = pick(w, 'windowDurationMins', 'window_minutes', 'window_duration_mins');
  const resets = pick(w, 'resetsAt', 'resets_at');
  let text = `${label} ${Math.round(used)}%${typeof mins === 'number' && mins > 0 ? ` of ${windowLength(mins)}` : ' used'}`;
  const resetMs = typeof resets === 'number' ? (resets < 1e12 ? resets * 1000 : resets) : typeof resets === 'string' ? Date.parse(resets) : NaN;
  if (Number.isFinite(resetMs)) text += resetMs > now ? `, resets in ${formatDuration(resetMs - now)}` : ', reset due';
  return used >= 90 ? { text, style: 'red' } : used >= 70 ? { text, style: 'yellow' } : { text };
}

function creditsText(credits: unknown): string | null {
  if (typeof credits !== 'object' || credits === null) return null;
  const c = credits as Record<string, unknown>;
  if (pick(c, 'unlimited') === true) return 'credits unlimited';
  const balance = pick(c, 'balance');
  if (typeof balance === 'string' && balance !== '') return `credits ${clean(balance)}`;
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


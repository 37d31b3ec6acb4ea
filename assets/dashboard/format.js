/**
 * Pure formatting for the dashboard (spec §13.7.1): durations, counts, agent event phrases and
 * rate limits in plain words. No DOM access here; every function returns a string.
 */

const numberFormat = new Intl.NumberFormat('en-US');

/** `1234567` → `1,234,567`; anything that is not a finite number → `–`. */
export function formatCount(value) {
  return typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(Math.round(value)) : '–';
}

/** Seconds → `1h 02m 03s`, `4m 05s`, `12s`; days when longer than a day (`2d 03h`). */
export function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '–';
  const total = Math.max(0, Math.floor(seconds));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${pad(h)}h`;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** Milliseconds until `targetMs` from `nowMs` in words: `in 4m 05s`, `now`, `4m 05s ago`. */
export function formatRelative(targetMs, nowMs) {
  if (!Number.isFinite(targetMs)) return '–';
  const delta = (targetMs - nowMs) / 1000;
  if (Math.abs(delta) < 1) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** ISO time → local `HH:MM:SS` (with the date when not today), or `–`. */
export function formatClock(iso, nowMs = Date.now()) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '–';
  const date = new Date(ms);
  const time = date.toLocaleTimeString('en-GB', { hour12: false });
  return new Date(nowMs).toDateString() === date.toDateString() ? time : `${date.toISOString().slice(0, 10)} ${time}`;
}

/** Agent event names (src/domain/agent-event.ts) and status event types in plain words. */
const PHRASES = {
  launch_queued: 'Waiting for a launch slot',
  launch_started: 'Launching',
  session_started: 'Session started',
  startup_failed: 'Agent failed to start',
  turn_started: 'Turn started',
  turn_completed: 'Turn completed',
  turn_failed: 'Turn failed',
  turn_cancelled: 'Turn cancelled',
  turn_ended_with_error: 'Turn ended with an error',
  turn_input_required: 'Agent asked for input',
  operator_waiting: 'Waiting for an operator',
  operator_answered: 'Operator answered',
  operator_timeout: 'No operator answer in time',
  approval_auto_approved: 'Request approved automatically',
  approval_rejected: 'Request rejected',
  tool_call_completed: 'Tool call completed',
  tool_call_failed: 'Tool call failed',
  unsupported_tool_call: 'Unsupported tool call',
  token_usage_updated: 'Token usage updated',
  rate_limits_updated: 'Rate limits updated',
  notification: 'Working',
  other_message: 'Agent message',
  malformed: 'Unreadable agent message',
  dispatch: 'Dispatched',
  agent_event: 'Agent event',
  retry_scheduled: 'Retry scheduled',
  run_ended: 'Run ended',
  blocked: 'Blocked',
  released: 'Released',
  config_reloaded: 'Workflow reloaded',
  config_rejected: 'Workflow edit rejected',
};

/** An event name in plain words; unknown names are de-underscored (`foo_bar` → `Foo bar`). */
export function eventPhrase(name) {
  if (typeof name !== 'string' || name === '') return 'No event yet';
  if (Object.hasOwn(PHRASES, name)) return PHRASES[name];
  const words = name.replace(/[_/]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * What a running row's agent is doing: its structured `last_activity` in words (the server's
 * `summary`, capitalised), or, before any activity, the last event name and message.
 */
export function describeRunning(row) {
  const summary = row && row.last_activity && typeof row.last_activity.summary === 'string' ? row.last_activity.summary.trim() : '';
  if (summary === '') return describeLastEvent(row ? row.last_event : null, row ? row.last_message : null);
  return truncate(summary.charAt(0).toUpperCase() + summary.slice(1), 200);
}

/**
 * The last agent event of a running row in plain words, with its message when there is one. A
 * message that already starts with the phrase (`operator_waiting` carries
 * `waiting for an operator: <summary>`) is not prefixed again.
 */
export function describeLastEvent(event, message) {
  const phrase = eventPhrase(event);
  const text = withoutLeadingPhrase(phrase, message);
  return text === '' ? phrase : `${phrase}: ${truncate(text, 160)}`;
}

/**
 * `text` trimmed, without a leading `phrase` followed by `:` (or a dash), case-insensitive, so
 * `phrase: text` never reads `Waiting for an operator: waiting for an operator: …`; a `text` that
 * is just the phrase is ''. Any other text is kept whole. Non-strings → ''.
 */
export function withoutLeadingPhrase(phrase, text) {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const lead = typeof phrase === 'string' ? phrase.trim().toLowerCase() : '';
  if (lead === '' || !trimmed.toLowerCase().startsWith(lead)) return trimmed;
  const rest = trimmed.slice(lead.length);
  if (rest.trim() === '') return '';
  const separator = /^\s*[:–—]\s*/.exec(rest);
  return separator ? rest.slice(separator[0].length) : trimmed;
}

/**
 * Whether a waiting request's one-line `summary` just repeats its `command` (the command approval
 * case: the summary is the command on one line, cut at 200 characters with `…`), so the card
 * shows the command once. Pure.
 */
export function summaryIsCommand(summary, command) {
  if (typeof summary !== 'string' || typeof command !== 'string') return false;
  const flat = (text) => text.replace(/\s+/g, ' ').trim();
  const a = flat(summary);
  const b = flat(command);
  if (a === '' || b === '') return false;
  return a === b || (a.endsWith('…') && b.startsWith(a.slice(0, -1)));
}


/** Cuts `text` to `max` characters with an ellipsis. */
export function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function pick(object, ...keys) {
  for (const key of keys) {
    if (object && typeof object === 'object' && object[key] !== undefined && object[key] !== null) return object[key];
  }
  return null;
}

/** Window length in minutes → `5h window`, `7d window`, `90m window`. */
export function formatWindow(minutes) {
  if (typeof minutes !== 'number' || !Number.isFinite(minutes) || minutes <= 0) return null;
  if (minutes % 1440 === 0) return `${minutes / 1440}d window`;
  if (minutes % 60 === 0) return `${minutes / 60}h window`;
  return `${minutes}m window`;
}

/** Epoch seconds or milliseconds, or an ISO string → epoch ms; null when unreadable. */
export function toEpochMs(value) {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

/**
 * One Codex rate-limit window (`{usedPercent, windowDurationMins, resetsAt}`, snake_case tolerated)
 * in words: `42% used · 5h window · resets in 1h 12m 00s`. Null when it carries no percentage.
 */
export function describeWindow(window, nowMs) {
  const used = pick(window, 'usedPercent', 'used_percent');
  if (typeof used !== 'number') return null;
  const parts = [`${Math.round(used)}% used`];
  const length = formatWindow(pick(window, 'windowDurationMins', 'window_minutes', 'windowMinutes'));
  if (length) parts.push(length);
  const resetsAt = toEpochMs(pick(window, 'resetsAt', 'resets_at'));
  const resetsIn = pick(window, 'resetsInSeconds', 'resets_in_seconds');
  if (resetsAt !== null) parts.push(`resets ${formatRelative(resetsAt, nowMs)}`);
  else if (typeof resetsIn === 'number') parts.push(`resets in ${formatDuration(resetsIn)}`);
  return { usedPercent: used, text: parts.join(' · ') };
}

/**
 * The latest rate-limit snapshot as readable lines: `[{label, usedPercent|null, text}]`. Unknown
 * shapes come back as one line of compact JSON; `null` → an empty list.
 */
export function describeRateLimits(limits, nowMs) {
  if (limits === null || limits === undefined) return [];
  if (typeof limits !== 'object') return [{ label: 'limits', usedPercent: null, text: String(limits) }];
  const lines = [];
  for (const key of ['primary', 'secondary']) {
    const described = describeWindow(limits[key], nowMs);
    if (described) lines.push({ label: key, usedPercent: described.usedPercent, text: described.text });
  }
  const credits = limits.credits;
  if (credits && typeof credits === 'object') {
    const text = credits.unlimited ? 'unlimited' : credits.hasCredits ? `balance ${credits.balance ?? 'unknown'}` : 'none left';
    lines.push({ label: 'credits', usedPercent: null, text });
  }
  const reached = pick(limits, 'rateLimitReachedType', 'rate_limit_reached_type');
  if (typeof reached === 'string') lines.push({ label: 'reached', usedPercent: null, text: reached.replace(/_/g, ' ') });
  const name = pick(limits, 'limitName', 'limitId');
  const plan = pick(limits, 'planType', 'plan_type');
  if (lines.length > 0 && (typeof name === 'string' || typeof plan === 'string')) {
    lines.unshift({ label: 'plan', usedPercent: null, text: [name, plan].filter((v) => typeof v === 'string').join(' · ') });
  }
  if (lines.length === 0) lines.push({ label: 'limits', usedPercent: null, text: truncate(JSON.stringify(limits), 300) });
  return lines;
}

/**
 * A span of milliseconds in words, to the minute: `under 1 min`, `42 min`, `3 h 5 min`, `2 d 4 h`
 * (to the hour from a day on); `–` for null or anything not a finite number.
 */
export function formatSpan(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  const minutes = Math.round(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'under 1 min';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 1440) return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  const hours = Math.round(minutes / 60);
  return hours % 24 === 0 ? `${hours / 24} d` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** A share from 0 to 1 → `75%` (whole percent); `–` for null. */
export function formatPercent(share) {
  return typeof share === 'number' && Number.isFinite(share) ? `${Math.round(share * 100)}%` : '–';
}

/** A median (may end in .5) → `2.5`, `1,200`; `–` for null. */
export function formatMedian(value) {
  return typeof value === 'number' && Number.isFinite(value) ? new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(value) : '–';
}

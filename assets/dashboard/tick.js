/**
 * Live-ticking times without re-reading the API: elements carry what they show as data
 * attributes and one timer re-renders them every second.
 *
 * - `data-elapsed-from="<iso>"`: time since then (`4m 05s`), e.g. a session's runtime.
 * - `data-relative-to="<iso>"`: `in 4m 05s` / `now` / `4m 05s ago`, e.g. a retry's due time.
 * - `data-seconds="<n>" data-seconds-at="<iso>" data-seconds-rate="<k>"`: `n + k × (now − at)`
 *   seconds as a duration, e.g. the runtime total growing with `k` live sessions.
 */
import { formatDuration, formatRelative } from './format.js';
import { h } from './dom.js';

/** A `<span>` showing the time elapsed since `iso`. */
export function elapsedSince(iso, clock, testId) {
  return h('span', { 'data-elapsed-from': iso, 'data-testid': testId, title: iso }, render('elapsed', iso, clock.now()));
}

/** A `<span>` showing `iso` relative to now. */
export function relativeTo(iso, clock, testId) {
  return h('time', { 'data-relative-to': iso, 'data-testid': testId, datetime: iso, title: iso }, render('relative', iso, clock.now()));
}

/** A `<span>` showing `seconds` at `atIso`, growing by `rate` seconds per second. */
export function growingSeconds(seconds, atIso, rate, clock, testId) {
  const element = h('span', { 'data-seconds': seconds, 'data-seconds-at': atIso, 'data-seconds-rate': rate, 'data-testid': testId });
  element.textContent = renderGrowing(element, clock.now());
  return element;
}

function render(kind, iso, nowMs) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '–';
  return kind === 'elapsed' ? formatDuration((nowMs - ms) / 1000) : formatRelative(ms, nowMs);
}

function renderGrowing(element, nowMs) {
  const base = Number(element.dataset.seconds);
  const at = Date.parse(element.dataset.secondsAt ?? '');
  const rate = Number(element.dataset.secondsRate);
  const extra = Number.isFinite(at) && Number.isFinite(rate) ? Math.max(0, (nowMs - at) / 1000) * rate : 0;
  return formatDuration(base + extra);
}

/** Starts the once-a-second re-render of every ticking element under `root`. */
export function startTicking(clock, root = document) {
  const tick = () => {
    const now = clock.now();
    for (const element of root.querySelectorAll('[data-elapsed-from]')) element.textContent = render('elapsed', element.dataset.elapsedFrom, now);
    for (const element of root.querySelectorAll('[data-relative-to]')) element.textContent = render('relative', element.dataset.relativeTo, now);
    for (const element of root.querySelectorAll('[data-seconds]')) element.textContent = renderGrowing(element, now);
  };
  return setInterval(tick, 1000);
}

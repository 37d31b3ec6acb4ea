/**
 * The page of one issue, `/issues/<identifier>`: status, attempts, workspace, the request waiting
 * for an operator (with the answer form), recent events newest first, session log links, the last
 * error, and its runs from the run journal when the daemon keeps one. The first paint uses the
 * details the server put into the page (else it reads them at once); then it re-reads
 * `GET /api/v1/<identifier>` whenever the event stream reports a change of that issue (coalesced).
 */
import { byTestId, fill, h, table } from './dom.js';
import { coalesced, errorText, followEvents, initialState, issueApiPath, request, serverClock, withToken } from './api.js';
import { answerForms } from './answer-form.js';
import { describeRunning, eventPhrase, formatClock, formatCount, withoutLeadingPhrase } from './format.js';
import { elapsedSince, relativeTo, startTicking } from './tick.js';
import { issueLinks, waitingCard } from './waiting.js';
import { installChrome, showConnection } from './chrome.js';
import { renderRuns } from './history.js';

const identifier = decodeURIComponent(window.location.pathname.replace(/^\/issues\//, '').replace(/\/+$/, ''));
const clock = serverClock();
const forms = answerForms(() => reload());

function kv(label, value, testId) {
  return h('div', { class: 'kv' }, h('dt', {}, label), h('dd', { 'data-testid': testId }, value ?? h('span', { class: 'muted' }, '–')));
}

function overview(detail) {
  const running = detail.running;
  const retry = detail.retry;
  const blocked = detail.blocked;
  return h(
    'dl',
    { class: 'overview' },
    kv('status', h('span', { class: `badge status-${detail.status}` }, detail.status), 'issue-status'),
    kv('attempts', `${detail.attempts.restart_count} restart(s)${detail.attempts.current_retry_attempt ? ` · retry attempt ${detail.attempts.current_retry_attempt}` : ''}`, 'issue-attempts'),
    kv('workspace', detail.workspace ? h('code', { class: 'path' }, detail.workspace.path) : null, 'issue-workspace'),
    running
      ? [
          kv('tracker state', running.state, 'issue-state'),
          kv('session', running.session_id ? h('code', {}, running.session_id) : null, 'issue-session'),
          kv('turns', String(running.turn_count), 'issue-turns'),
          kv('runtime', elapsedSince(running.started_at, clock), 'issue-runtime'),
          kv('tokens in / out / total', `${formatCount(running.tokens.input_tokens)} / ${formatCount(running.tokens.output_tokens)} / ${formatCount(running.tokens.total_tokens)}`, 'issue-tokens'),
          kv('last activity', describeRunning(running), 'issue-last-event'),
        ]
      : null,
    retry ? kv('retry', [`attempt ${retry.attempt} (${retry.kind}) due `, relativeTo(retry.due_at, clock), retry.error ? ` · ${retry.error}` : ''], 'issue-retry') : null,
    blocked ? kv('blocked', [`${blocked.reason} · since `, relativeTo(blocked.since, clock), ` · held while in "${blocked.state}"`], 'issue-blocked') : null,
    kv('last error', detail.last_error ? h('span', { class: 'error-text' }, detail.last_error) : null, 'issue-last-error'),
  );
}

function recentEvents(events) {
  const rows = [...events].reverse().map((event, index) =>
    h(
      'tr',
      { 'data-testid': `event-row-${index}` },
      h('td', { class: 'num', title: event.at }, formatClock(event.at)),
      h('td', {}, h('span', { title: event.event }, eventPhrase(event.event))),
      h('td', { class: 'event' }, withoutLeadingPhrase(eventPhrase(event.event), event.message)),
    ),
  );
  return table('events-table', ['Time', 'Event', 'Details'], rows, 'No events recorded yet.');
}

function sessionLogs(logs) {
  const rows = logs.map((log) =>
    h(
      'tr',
      { 'data-testid': `log-row-${log.label}` },
      h('td', {}, h('a', { href: withToken(log.url), 'data-testid': `log-link-${log.label}`, title: log.path }, log.label)),
      h('td', { class: 'num' }, `${formatCount(log.bytes)} B`),
      h('td', { class: 'num', title: log.modified_at }, formatClock(log.modified_at)),
    ),
  );
  return table('logs-table', ['Session log', 'Size', 'Modified'], rows, 'No session log yet.');
}

function render(detail) {
  document.title = `${detail.issue_identifier} · Symphony`;
  fill('issue-title', issueLinks(detail.issue_identifier, detail.issue_url));
  fill('issue-overview', overview(detail));
  forms.keep(detail.waiting ? [detail.waiting] : []);
  byTestId('waiting-section')?.toggleAttribute('hidden', detail.waiting === null);
  fill('waiting-list', detail.waiting ? waitingCard(detail.waiting, clock, forms) : null);
  byTestId('runs-section')?.toggleAttribute('hidden', !Array.isArray(detail.runs));
  fill('runs', Array.isArray(detail.runs) ? renderRuns(detail.runs, clock) : null);
  fill('logs', sessionLogs(detail.logs?.codex_session_logs ?? []));
  fill('events', recentEvents(detail.recent_events ?? []));
}

const reload = coalesced(async () => {
  const result = await request('GET', issueApiPath(identifier));
  const banner = byTestId('error-banner');
  if (result.ok && result.body) {
    if (banner) banner.hidden = true;
    render(result.body);
  } else if (banner) {
    banner.hidden = false;
    banner.textContent =
      result.status === 404
        ? `${identifier} is not known to the daemon now: it is not running, waiting, retrying or blocked.`
        : `Could not read ${identifier}: ${errorText(result)}`;
  }
});

fill('issue-title', identifier);
document.title = `${identifier} · Symphony`;
const initial = initialState();
if (initial && initial.issue_identifier?.toLowerCase() === identifier.toLowerCase()) render(initial);
else reload();
installChrome(reload);
followEvents({
  onEvent: (type, data) => {
    if (type === 'snapshot' || data?.issue_identifier === identifier) reload();
  },
  onConnection: showConnection,
});
startTicking(clock);

/**
 * The dashboard at `/` (spec §13.7.1): a client of `GET /api/v1/state` that re-reads the state
 * whenever `/api/v1/events` reports a change (coalesced, at most ~4 reads a second). It keeps no
 * state logic of its own: every section renders the last snapshot as is. The first paint uses the
 * state the server put into the page; without it the state is read before the stream is opened,
 * so the page never waits for the stream to show data.
 */
import { byTestId, fill, h } from './dom.js';
import { coalesced, errorText, followEvents, initialState, request, serverClock } from './api.js';
import { answerForms } from './answer-form.js';
import { formatClock } from './format.js';
import { startTicking } from './tick.js';
import { waitingCard } from './waiting.js';
import { renderBlocked, renderConfig, renderRecentRuns, renderRetrying, renderRunning, renderSkipped, renderTotals } from './sections.js';
import { installChrome, showConnection } from './chrome.js';
import { renderRevisions } from './history.js';

const clock = serverClock();
let lastSnapshot = null;

const forms = answerForms((identifier, what) => {
  fill('answer-flash', `${identifier}: answered (${what}) at ${formatClock(new Date().toISOString())}.`);
  reload();
});

function render(snapshot) {
  lastSnapshot = snapshot;
  clock.sync(snapshot.generated_at);
  const counts = snapshot.counts ?? {};
  fill(
    'counts',
    h('span', { 'data-testid': 'count-running' }, `running ${counts.running ?? 0}/${snapshot.max_concurrent_agents ?? '?'}`),
    ' · ',
    h('span', { 'data-testid': 'count-waiting', class: counts.waiting ? 'attention' : null }, `waiting ${counts.waiting ?? 0}`),
    ' · ',
    h('span', { 'data-testid': 'count-retrying' }, `retrying ${counts.retrying ?? 0}`),
    ' · ',
    h('span', { 'data-testid': 'count-blocked', class: counts.blocked ? 'attention' : null }, `blocked ${counts.blocked ?? 0}`),
  );
  fill('generated-at', `as of ${formatClock(snapshot.generated_at)}`);
  renderDispatch(snapshot.dispatch);

  const waiting = snapshot.waiting ?? [];
  forms.keep(waiting);
  fill('waiting-count', String(waiting.length));
  byTestId('waiting-section')?.classList.toggle('has-items', waiting.length > 0);
  fill(
    'waiting-list',
    waiting.length === 0
      ? h('p', { class: 'empty', 'data-testid': 'waiting-empty' }, 'No agent is waiting for an operator.')
      : waiting.map((row) => waitingCard(row, clock, forms)),
  );
  fill('running', renderRunning(snapshot, clock));
  fill('retrying', renderRetrying(snapshot.retrying ?? [], clock));
  fill('blocked', renderBlocked(snapshot.blocked ?? [], clock));
  fill('skipped', renderSkipped(snapshot.skipped ?? [], clock));
  fill('recent', renderRecentRuns(snapshot.recent_runs ?? [], clock));
  // Only a daemon with a run journal sends `revisions`; without it the section stays hidden.
  byTestId('revisions-section')?.toggleAttribute('hidden', !Array.isArray(snapshot.revisions));
  fill('revisions', Array.isArray(snapshot.revisions) ? renderRevisions(snapshot.revisions, snapshot.workflow_revision, clock) : null);
  fill('totals', renderTotals(snapshot, clock));
  fill('config', renderConfig(snapshot.config, clock));
}

/** The "dispatch paused" banner while WORKFLOW.md is invalid (the API's `dispatch.summary`). */
function renderDispatch(dispatch) {
  const banner = byTestId('dispatch-paused');
  if (!banner) return;
  const paused = dispatch && dispatch.state === 'paused';
  banner.hidden = !paused;
  banner.textContent = paused ? `${dispatch.summary} — running agents go on; fix the file to resume.` : '';
}

const reload = coalesced(async () => {
  const result = await request('GET', '/api/v1/state');
  const banner = byTestId('error-banner');
  if (result.ok && result.body && typeof result.body === 'object') {
    if (banner) banner.hidden = true;
    render(result.body);
  } else if (banner) {
    banner.hidden = false;
    banner.textContent = `Could not read the state: ${errorText(result)}${lastSnapshot ? ' — showing the last one received.' : ''}`;
  }
});

const initial = initialState();
if (initial) render(initial);
installChrome(reload);
if (!initial) reload();
followEvents({ onEvent: () => reload(), onConnection: showConnection });
startTicking(clock);

/**
 * The sections of `/`, each a pure function of the snapshot (`GET /api/v1/state`) returning DOM.
 */
import { h, table } from './dom.js';
import { describeRateLimits, describeRunning, formatClock, formatCount, formatDuration } from './format.js';
import { elapsedSince, growingSeconds, relativeTo } from './tick.js';
import { issueLinks } from './waiting.js';

function tokens(counts, testId) {
  return h(
    'span',
    { class: 'tokens', 'data-testid': testId },
    h('span', { title: 'input tokens' }, formatCount(counts?.input_tokens)),
    ' / ',
    h('span', { title: 'output tokens' }, formatCount(counts?.output_tokens)),
    ' / ',
    h('strong', { title: 'total tokens' }, formatCount(counts?.total_tokens)),
  );
}

function path(value, testId) {
  return value ? h('code', { class: 'path', title: value, 'data-testid': testId }, value) : h('span', { class: 'muted' }, '–');
}

/** Running sessions table. */
export function renderRunning(snapshot, clock) {
  const maxTurns = snapshot.max_turns ?? '?';
  const rows = (snapshot.running ?? []).map((row) => {
    const id = row.issue_identifier;
    return h(
      'tr',
      { 'data-testid': `running-row-${id}`, class: row.waiting ? 'is-waiting' : null },
      h(
        'td',
        {},
        issueLinks(id, row.issue_url),
        row.waiting ? h('span', { class: 'badge attention' }, 'waiting') : null,
        row.stopping ? h('span', { class: 'badge', title: row.stopping }, 'stopping') : null,
        row.retry_attempt ? h('span', { class: 'badge muted', title: 'retry attempt' }, `retry #${row.retry_attempt}`) : null,
        row.resumed ? h('span', { class: 'badge muted', title: 'continues its thread after a daemon restart', 'data-testid': `running-resumed-${id}` }, 'resumed') : null,
        row.runtime ? h('span', { class: 'badge muted', title: 'agent runtime', 'data-testid': `running-agent-${id}` }, row.runtime) : null,
      ),
      h('td', { 'data-testid': `running-state-${id}` }, row.state),
      h('td', { class: 'num', 'data-testid': `running-turn-${id}` }, `${row.turn_count}/${maxTurns}`),
      h('td', { class: 'num' }, elapsedSince(row.started_at, clock, `running-runtime-${id}`)),
      h('td', { class: 'num' }, tokens(row.tokens, `running-tokens-${id}`)),
      h(
        'td',
        { class: 'event' },
        h('span', { 'data-testid': `running-event-${id}`, title: row.last_activity ? `${row.last_activity.kind} ${row.last_activity.phase}` : (row.last_event ?? '') }, describeRunning(row)),
        row.last_event_at ? h('span', { class: 'muted when' }, ' ', relativeTo(row.last_event_at, clock)) : null,
      ),
      h('td', {}, path(row.workspace_path, `running-workspace-${id}`)),
    );
  });
  return table('running-table', ['Issue', 'State', 'Turn', 'Running for', 'Tokens in / out / total', 'Last agent event', 'Workspace'], rows, 'No running sessions.');
}

/** Retry queue table. */
export function renderRetrying(retrying, clock) {
  const rows = retrying.map((row) => {
    const id = row.issue_identifier;
    const reason = row.error ?? (row.kind === 'continuation' ? 'continuation: the issue is still active' : '–');
    return h(
      'tr',
      { 'data-testid': `retry-row-${id}` },
      h('td', {}, issueLinks(id, row.issue_url)),
      h('td', { class: 'num', 'data-testid': `retry-attempt-${id}` }, String(row.attempt)),
      h('td', { class: 'num' }, relativeTo(row.due_at, clock, `retry-due-${id}`)),
      h('td', {}, row.kind),
      h('td', { 'data-testid': `retry-reason-${id}` }, reason),
    );
  });
  return table('retry-table', ['Issue', 'Attempt', 'Due', 'Kind', 'Reason'], rows, 'The retry queue is empty.');
}

/** Words for a blocked row's `cause` (issue 9). */
const BLOCK_CAUSE_WORDS = { operator: 'no operator answer', budget_exceeded: 'budget exceeded', no_progress: 'no progress' };

/**
 * Blocked issues, kept claimed until the issue changes state: nobody answered the agent, a budget
 * is spent, or the agent made no progress.
 */
export function renderBlocked(blocked, clock) {
  const rows = blocked.map((row) => {
    const id = row.issue_identifier;
    return h(
      'tr',
      { 'data-testid': `blocked-row-${id}` },
      h('td', {}, issueLinks(id, row.issue_url)),
      h('td', {}, row.state),
      h('td', { 'data-testid': `blocked-cause-${id}` }, BLOCK_CAUSE_WORDS[row.cause] ?? row.cause ?? BLOCK_CAUSE_WORDS.operator),
      h('td', { 'data-testid': `blocked-reason-${id}` }, row.reason),
      h('td', { class: 'num' }, relativeTo(row.since, clock)),
      h('td', {}, path(row.workspace_path)),
    );
  });
  return table('blocked-table', ['Issue', 'Held in state', 'Cause', 'Reason', 'Since', 'Workspace'], rows, 'Nothing is blocked.');
}

/** Candidates the daemon does not dispatch (`skipped`: a `runtime:<kind>` label it does not have), with the reason. */
export function renderSkipped(skipped, clock) {
  const rows = skipped.map((row) => {
    const id = row.issue_identifier;
    return h(
      'tr',
      { 'data-testid': `skipped-row-${id}` },
      h('td', {}, issueLinks(id, row.issue_url)),
      h('td', {}, row.state),
      h('td', { 'data-testid': `skipped-reason-${id}` }, row.reason),
      h('td', { class: 'num' }, relativeTo(row.since, clock)),
    );
  });
  return table('skipped-table', ['Issue', 'State', 'Reason', 'Since'], rows, 'Every eligible issue can be dispatched.');
}

/**
 * The last runs that ended (`recent_runs`, newest first): issue, outcome, when, how long it ran,
 * and the reason (the failure, the stop reason, why it blocked).
 */
export function renderRecentRuns(runs, clock) {
  const rows = runs.map((run, index) => {
    const id = run.issue_identifier;
    return h(
      'tr',
      { 'data-testid': `recent-row-${index}` },
      h('td', {}, issueLinks(id, run.issue_url)),
      h('td', {}, h('span', { class: `badge outcome outcome-${run.outcome}`, 'data-testid': `recent-outcome-${index}` }, run.outcome)),
      h('td', { class: 'num' }, relativeTo(run.ended_at, clock, `recent-ended-${index}`)),
      h('td', { class: 'num' }, formatDuration((run.duration_ms ?? NaN) / 1000)),
      h('td', { class: 'event', 'data-testid': `recent-reason-${index}` }, run.reason ?? h('span', { class: 'muted' }, '–')),
    );
  });
  return table('recent-table', ['Issue', 'Outcome', 'Ended', 'Ran', 'Reason'], rows, 'No run has ended since the daemon started.');
}

/** Token and runtime totals, and the latest rate limits. */
export function renderTotals(snapshot, clock) {
  const totals = snapshot.codex_totals ?? {};
  const limits = describeRateLimits(snapshot.rate_limits, clock.now());
  const running = snapshot.counts?.running ?? 0;
  return [
    h(
      'dl',
      { class: 'totals' },
      h('div', { class: 'kv' }, h('dt', {}, 'tokens in'), h('dd', { 'data-testid': 'totals-input' }, formatCount(totals.input_tokens))),
      h('div', { class: 'kv' }, h('dt', {}, 'tokens out'), h('dd', { 'data-testid': 'totals-output' }, formatCount(totals.output_tokens))),
      h('div', { class: 'kv' }, h('dt', {}, 'tokens total'), h('dd', { 'data-testid': 'totals-total' }, formatCount(totals.total_tokens))),
      h('div', { class: 'kv' }, h('dt', {}, 'agent runtime'), h('dd', {}, growingSeconds(totals.seconds_running ?? 0, snapshot.generated_at, running, clock, 'totals-runtime'))),
      snapshot.tokens_today
        ? h('div', { class: 'kv' }, h('dt', { title: `UTC day ${snapshot.tokens_today.day}; agent.max_tokens_per_day counts these` }, 'tokens today'), h('dd', { 'data-testid': 'totals-today' }, formatCount(snapshot.tokens_today.total_tokens)))
        : null,
    ),
    h('h3', {}, 'Rate limits'),
    limits.length === 0
      ? h('p', { class: 'empty', 'data-testid': 'rate-limits-empty' }, 'No rate-limit report from the agent yet.')
      : h(
          'ul',
          { class: 'limits', 'data-testid': 'rate-limits' },
          limits.map((line) =>
            h(
              'li',
              { 'data-testid': `rate-limit-${line.label}` },
              h('span', { class: 'label' }, line.label),
              line.usedPercent === null ? null : h('meter', { min: 0, max: 100, low: 70, high: 90, optimum: 0, value: line.usedPercent }),
              h('span', {}, line.text),
            ),
          ),
        ),
  ];
}

/** Workflow file status: path, last reload, last rejected edit and why (spec §6.2). */
export function renderConfig(config, clock) {
  if (!config) return h('p', { class: 'empty' }, 'No workflow status.');
  const reload = config.last_reload;
  const rejected = config.last_rejected;
  const rejectedIsLatest = rejected !== null && (reload === null || rejected.at >= reload.at);
  return h(
    'dl',
    { class: 'config' },
    h('div', { class: 'kv' }, h('dt', {}, 'workflow'), h('dd', {}, path(config.workflow_path, 'config-path'))),
    h('div', { class: 'kv' }, h('dt', {}, 'loaded'), h('dd', { 'data-testid': 'config-loaded', title: config.loaded_at }, formatClock(config.loaded_at))),
    h(
      'div',
      { class: 'kv' },
      h('dt', {}, 'last reload'),
      h(
        'dd',
        { 'data-testid': 'config-last-reload' },
        reload === null
          ? h('span', { class: 'muted' }, 'never (unchanged since start)')
          : [relativeTo(reload.at, clock), reload.changed.length > 0 ? ` · changed ${reload.changed.join(', ')}` : ' · no effective change'],
      ),
    ),
    h(
      'div',
      { class: `kv${rejectedIsLatest ? ' rejected' : ''}` },
      h('dt', {}, 'last rejected edit'),
      h(
        'dd',
        { 'data-testid': 'config-last-rejected' },
        rejected === null
          ? h('span', { class: 'muted' }, 'none')
          : [relativeTo(rejected.at, clock), ` · ${rejected.reason}`, rejectedIsLatest ? h('span', { class: 'badge attention' }, 'dispatch paused; running agents keep the last good config') : null],
      ),
    ),
  );
}

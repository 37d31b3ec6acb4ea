/**
 * Run history from the journal (issue 9 item 4): the "Workflow revisions" table of `/` (the
 * state's `revisions`, newest first, the current `workflow_revision` marked) and the "Runs" table
 * of an issue page (the issue's `runs`, newest first). Pure functions of the API's rows → DOM.
 */
import { h, table } from './dom.js';
import { formatCount, formatDuration, formatMedian, formatPercent, formatSpan } from './format.js';
import { relativeTo } from './tick.js';

/** The revisions table; `current` is the state's `workflow_revision` (or null/undefined). */
export function renderRevisions(revisions, current, clock) {
  const rows = revisions.map((row) => {
    const id = row.revision_short;
    const isCurrent = typeof current === 'string' && current === row.revision;
    return h(
      'tr',
      { 'data-testid': `revision-row-${id}`, class: isCurrent ? 'is-current' : null },
      h(
        'td',
        {},
        h('code', { title: row.revision, 'data-testid': `revision-hash-${id}` }, id),
        isCurrent ? h('span', { class: 'badge status-running', 'data-testid': `revision-current-${id}` }, 'current') : null,
      ),
      h('td', { class: 'num', 'data-testid': `revision-runs-${id}`, title: `${row.ended_runs} ended` }, formatCount(row.runs)),
      h(
        'td',
        { class: 'num', 'data-testid': `revision-rate-${id}`, title: `${row.succeeded} of ${row.judged_runs} judged runs succeeded` },
        formatPercent(row.success_rate),
        row.judged_runs > 0 ? h('span', { class: 'muted' }, ` (${row.succeeded}/${row.judged_runs})`) : null,
      ),
      h('td', { class: 'num', 'data-testid': `revision-turns-${id}` }, formatMedian(row.median_turns)),
      h('td', { class: 'num', 'data-testid': `revision-tokens-${id}` }, formatCount(row.median_total_tokens)),
      h('td', { class: 'num', 'data-testid': `revision-handoff-${id}` }, formatSpan(row.median_time_to_handoff_ms)),
      h('td', { class: 'num', 'data-testid': `revision-handoffs-${id}` }, formatCount(row.handoffs)),
      h('td', { class: 'num' }, relativeTo(row.last_seen_at, clock)),
    );
  });
  return table(
    'revisions-table',
    ['Revision', 'Runs', 'Success rate', 'Median turns', 'Median tokens', 'Median time to hand-off', 'Hand-offs', 'Last run started'],
    rows,
    'No run started in the last 7 days.',
  );
}

/** An issue's journal runs, newest first. */
export function renderRuns(runs, clock) {
  const rows = runs.map((run) =>
    h(
      'tr',
      { 'data-testid': `run-row-${run.run_id}` },
      h('td', { class: 'num' }, relativeTo(run.started_at, clock)),
      h('td', {}, run.outcome === null ? h('span', { class: 'badge status-running' }, 'live') : h('span', { class: `badge outcome outcome-${run.outcome}`, 'data-testid': `run-outcome-${run.run_id}` }, run.outcome)),
      h('td', { class: 'num' }, run.attempt === null ? h('span', { class: 'muted' }, '–') : String(run.attempt)),
      h('td', { class: 'num' }, run.duration_ms === null ? h('span', { class: 'muted' }, '–') : formatDuration(run.duration_ms / 1000)),
      h('td', { class: 'num' }, formatCount(run.turns)),
      h('td', { class: 'num' }, formatCount(run.tokens?.total)),
      h('td', {}, h('code', { title: run.workflow_revision }, run.workflow_revision.slice(0, 12))),
      h('td', { class: 'num', 'data-testid': `run-handoff-${run.run_id}` }, run.handed_off_at === null ? h('span', { class: 'muted' }, '–') : relativeTo(run.handed_off_at, clock)),
      h('td', { class: 'event' }, run.reason ?? h('span', { class: 'muted' }, '–')),
    ),
  );
  return table('runs-table', ['Started', 'Outcome', 'Attempt', 'Ran', 'Turns', 'Tokens', 'Revision', 'Handed off', 'Reason'], rows, 'No run recorded for this issue.');
}

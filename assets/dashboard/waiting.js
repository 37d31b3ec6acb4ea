/**
 * One request waiting for an operator, as a card: what the agent asks (command and cwd, or the
 * questions), why, since when, when it times out, and the answer form. The command is shown once:
 * as the card's title when the request's summary is just the command, else in its own row.
 */
import { h, safeExternalUrl } from './dom.js';
import { issuePageHref } from './api.js';
import { summaryIsCommand } from './format.js';
import { relativeTo } from './tick.js';

const KIND_LABELS = { approval: 'Approval', user_input: 'Question' };

/** Links to an issue's page and, when known, to its tracker page. */
export function issueLinks(identifier, issueUrl) {
  const tracker = safeExternalUrl(issueUrl);
  return h(
    'span',
    { class: 'issue-links' },
    h('a', { href: issuePageHref(identifier), 'data-testid': `issue-link-${identifier}` }, identifier),
    tracker ? h('a', { href: tracker, class: 'tracker', target: '_blank', rel: 'noopener noreferrer', title: 'Open in the tracker', 'data-testid': `tracker-link-${identifier}` }, '↗') : null,
  );
}

function detail(label, value, testId, code = false) {
  if (value === null || value === undefined || value === '') return null;
  return h('div', { class: 'kv' }, h('dt', {}, label), h('dd', { 'data-testid': testId }, code ? h('code', {}, value) : value));
}

/**
 * The agent's own options of an approval (ACP), each with its kind and the decision that picks it:
 * `Allow (allow_once → accept) · Reject (reject_once → decline)`; null when there are none.
 */
export function agentOptions(options) {
  if (!Array.isArray(options) || options.length === 0) return null;
  return options.map((option) => `${option.name} (${option.kind}${option.decision ? ` → ${option.decision}` : ''})`).join(' · ');
}

/** The card of one {@link WaitingRow} with its (cached) answer form from `forms`. */
export function waitingCard(row, clock, forms) {
  const id = row.issue_identifier;
  const commandIsTitle = summaryIsCommand(row.summary, row.command);
  return h(
    'article',
    { class: `waiting-card kind-${row.kind}`, 'data-testid': `waiting-${id}` },
    h(
      'header',
      {},
      issueLinks(id, row.issue_url),
      h('span', { class: `badge kind`, 'data-testid': `waiting-kind-${id}` }, KIND_LABELS[row.kind] ?? row.kind),
      h(
        'span',
        { class: 'summary', 'data-testid': `waiting-summary-${id}` },
        commandIsTitle ? h('code', { 'data-testid': `waiting-command-${id}`, title: 'command' }, row.command) : row.summary,
      ),
    ),
    h(
      'dl',
      {},
      commandIsTitle ? null : detail('command', row.command, `waiting-command-${id}`, true),
      detail('cwd', row.cwd, `waiting-cwd-${id}`, true),
      detail('reason', row.reason, `waiting-reason-${id}`),
      detail('method', row.method, `waiting-method-${id}`, true),
      detail('agent options', agentOptions(row.options), `waiting-options-${id}`),
      h('div', { class: 'kv' }, h('dt', {}, 'since'), h('dd', {}, relativeTo(row.since, clock, `waiting-since-${id}`))),
      h('div', { class: 'kv' }, h('dt', {}, 'times out'), h('dd', {}, relativeTo(row.deadline, clock, `waiting-deadline-${id}`))),
    ),
    forms.formFor(row),
  );
}

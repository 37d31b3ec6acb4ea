/**
 * The pure terminal status view (spec §13.4–§13.6): what it shows, plain words, rate limits, and
 * that it always fits the terminal it is given.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeEvent, describeRejection, formatDuration, formatRateLimits, genericWords, rejectionParts, shortPath } from '../../src/cli/status-format.js';
import { describeActivity } from '../../src/domain/words.js';
import { activityRow } from '../../src/scheduler/snapshot.js';
import type { AgentActivity } from '../../src/domain/agent-event.js';
import { RECENT_RUNS_SHOWN, renderStatusView, summaryLine, type StatusViewOptions } from '../../src/cli/status-view.js';
import type { RetryRow, RunningRow, WaitingRow } from '../../src/scheduler/snapshot.js';
import type { RecentRun, StatusSnapshot } from '../../src/status/types.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const iso = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const plain = (text: string): string => text.replace(ANSI, '');
const cellsOf = (line: string): number => [...plain(line)].length;

function running(identifier: string, over: Partial<RunningRow> = {}): RunningRow {
  return {
    issue_id: `id-${identifier}`,
    issue_identifier: identifier,
    issue_url: null,
    state: 'In Progress',
    session_id: 'th-1-tu-1',
    turn_count: 3,
    last_event: 'turn_completed',
    last_message: 'turn completed',
    last_activity: { kind: 'turn', phase: 'completed', tool: null, command: null, detail: null, summary: 'turn completed' },
    started_at: iso(-(4 * 60_000 + 2_000)),
    last_event_at: iso(-5_000),
    workspace_path: `/ws/${identifier}`,
    retry_attempt: null,
    stopping: null,
    tokens: { input_tokens: 12_000, output_tokens: 345, total_tokens: 12_345 },
    waiting: false, issue_total_tokens: 12_345, resumed: false,
    ...over,
  };
}

function retry(identifier: string, over: Partial<RetryRow> = {}): RetryRow {
  return { issue_id: `id-${identifier}`, issue_identifier: identifier, issue_url: null, attempt: 2, due_at: iso(35_000), kind: 'failure', error: 'worker_failed: agent exited with code 1', cause: 'worker_failed', resumes: false, ...over };
}

function waiting(identifier: string, over: Partial<WaitingRow> = {}): WaitingRow {
  return {
    issue_id: `id-${identifier}`,
    issue_identifier: identifier,
    issue_url: null,
    kind: 'approval',
    method: 'item/commandExecution/requestApproval',
    summary: 'git push origin feature',
    command: 'git push origin feature',
    cwd: `/ws/${identifier}`,
    reason: null,
    decisions: ['accept', 'decline'],
    questions: [],
    since: iso(-(3 * 60_000 + 10_000)),
    deadline: iso(26 * 60_000 + 50_000),
    ...over,
  };
}

function ended(identifier: string, over: Partial<RecentRun> = {}): RecentRun {
  return { issue_id: `id-${identifier}`, issue_identifier: identifier, issue_url: null, outcome: 'completed', reason: null, ended_at: iso(-90_000), duration_ms: 754_000, attempt: null, session_id: 'th-1-tu-1', ...over };
}

function snapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  const base: StatusSnapshot = {
    generated_at: iso(0),
    counts: { running: 0, retrying: 0, claimed: 0, waiting: 0, blocked: 0 },
    running: [],
    retrying: [],
    waiting: [],
    blocked: [],
    codex_totals: { input_tokens: 0, output_tokens: 0, total_tokens: 0, seconds_running: 0 },
    rate_limits: null,
    tokens_today: { day: '2026-01-02', total_tokens: 0 },
    max_concurrent_agents: 10,
    max_turns: 20,
    dispatch: { state: 'active', paused_since: null, reason: null, summary: 'dispatch: active' },
    config: { workflow_path: '/srv/project/WORKFLOW.md', loaded_at: iso(-600_000), last_reload: null, last_rejected: null },
    ...over,
  };
  return {
    ...base,
    counts: { running: base.running.length, retrying: base.retrying.length, claimed: base.running.length + base.retrying.length, waiting: base.waiting.length, blocked: base.blocked.length },
  };
}

const options = (over: Partial<StatusViewOptions> = {}): StatusViewOptions => ({ nowMs: NOW, columns: 120, rows: 40, color: false, throughput: 0, ...over });

describe('renderStatusView (§13.4)', () => {
  it('shows the header, usage, running table and empty retry queue', () => {
    const view = renderStatusView(
      snapshot({ running: [running('SYM-1'), running('SYM-2', { turn_count: 7 })], codex_totals: { input_tokens: 24_000, output_tokens: 690, total_tokens: 24_690, seconds_running: 3725 } }),
      options({ throughput: 123.4, version: '1.2.3' }),
    );
    const lines = view.split('\n');
    expect(lines[0]).toBe('symphony 1.2.3 · agents 2/10 · waiting 0 · blocked 0 · retrying 0');
    expect(lines[1]).toBe('Ctrl-C to stop');
    expect(lines[2]).toBe('throughput 123 tok/s · tokens in 24,000 out 690 total 24,690 · runtime 1h 02m');
    expect(lines[3]).toBe('rate limits none reported yet');
    expect(lines[4]).toBe('workflow WORKFLOW.md · loaded 10m 00s ago');
    expect(view).toContain('Running (2)');
    expect(view).toMatch(/ISSUE\s+STATE\s+TURN\s+RUNTIME\s+TOKENS\s+LAST EVENT/);
    expect(view).toMatch(/SYM-1\s+In Progress\s+3\/20\s+4m 02s\s+12\.3k\s+turn completed {2}5s ago/);
    expect(view).toMatch(/SYM-2\s+In Progress\s+7\/20/);
    expect(view).toContain('Retry queue (0)\n  empty');
    expect(view).not.toContain('Waiting for operator');
    expect(view).not.toContain('Recently finished');
    expect(view.endsWith('\n')).toBe(false);
  });

  it('says under the header where the dashboard and the log file are, and that Ctrl-C stops', () => {
    const where = (over: Partial<StatusViewOptions>): string => renderStatusView(snapshot(), options(over)).split('\n')[1] ?? '';
    expect(where({ dashboardUrl: 'http://127.0.0.1:8080/', logFile: 'log/symphony.log' })).toBe('dashboard http://127.0.0.1:8080/ · log log/symphony.log · Ctrl-C to stop');
    expect(where({ dashboardUrl: null, logFile: '~/symphony/log/symphony.log' })).toBe('dashboard off (--port N or server.port) · log ~/symphony/log/symphony.log · Ctrl-C to stop');
    expect(where({ logFile: null })).toBe('Ctrl-C to stop');
    // Cut to the width like every line, never wrapped.
    expect(where({ columns: 30, dashboardUrl: 'http://127.0.0.1:8080/', logFile: 'log/symphony.log' })).toBe('dashboard http://127.0.0.1:80…');
    expect(plain(renderStatusView(snapshot(), options({ color: true, dashboardUrl: 'http://127.0.0.1:8080/' })).split('\n')[1] ?? '')).toBe('dashboard http://127.0.0.1:8080/ · Ctrl-C to stop');
  });

  it('lists the last runs that ended: issue, outcome, when, how long, and why (at most RECENT_RUNS_SHOWN)', () => {
    const runs = [
      ended('SYM-20', { outcome: 'failed', reason: 'turn_failed: the model returned an error', ended_at: iso(-30_000), duration_ms: 65_000 }),
      ended('SYM-19', { outcome: 'stopped', reason: 'terminal', ended_at: iso(-60_000) }),
      ended('SYM-18', { outcome: 'blocked', reason: 'operator_timeout: no answer within 30m', ended_at: iso(-120_000) }),
      ended('SYM-17', { ended_at: iso(-600_000), duration_ms: 3_725_000 }),
      ended('SYM-16'),
      ended('SYM-15'),
    ];
    const view = renderStatusView(snapshot({ recent_runs: runs }), options({ columns: 140 }));
    expect(view).toContain('Recently finished');
    expect(view).toMatch(/ISSUE\s+OUTCOME\s+ENDED\s+RAN\s+REASON/);
    expect(view).toMatch(/SYM-20\s+failed\s+30s ago\s+1m 05s\s+turn_failed: the model returned an error/);
    expect(view).toMatch(/SYM-19\s+stopped\s+1m 00s ago\s+12m 34s\s+terminal/);
    expect(view).toMatch(/SYM-18\s+blocked\s+2m 00s ago\s+12m 34s\s+operator_timeout: no answer within 30m/);
    expect(view).toMatch(/SYM-17\s+completed\s+10m 00s ago\s+1h 02m$/m);
    expect(RECENT_RUNS_SHOWN).toBe(5);
    expect(view).toContain('SYM-16');
    expect(view).not.toContain('SYM-15');
    // Outcomes are coloured: failed and blocked red, completed green.
    const colored = renderStatusView(snapshot({ recent_runs: runs }), options({ columns: 140, color: true }));
    expect(colored).toContain('\x1b[31mfailed');
    expect(colored).toContain('\x1b[32mcompleted');
  });

  it('never shows bookkeeping (internal) events such as "remoteControl status changed" as the last event', () => {
    const rows = [
      // The last event was a status notice; the last activity is still the command.
      running('A-1', { last_event: 'notification', last_message: 'remoteControl status changed', last_activity: activityRow({ kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null }) }),
      // Only bookkeeping so far: the event name in words, not the notice's text.
      running('A-2', { last_event: 'notification', last_message: 'remoteControl status changed', last_activity: null }),
      running('A-3', { last_event: 'other_message', last_message: 'thread/status/changed', last_activity: null }),
    ];
    const view = renderStatusView(snapshot({ running: rows }), options({ columns: 160 }));
    expect(view).toMatch(/A-1 .* running `npm test` {2}5s ago/);
    expect(view).toMatch(/A-2 .* working {2}5s ago/);
    expect(view).toMatch(/A-3 .* unrecognised message {2}5s ago/);
    expect(view).not.toMatch(/remoteControl|status changed|thread\/status/);
  });

  it('shows no agents, and an empty rate limit, plainly when idle', () => {
    const view = renderStatusView(snapshot(), options());
    expect(view).toContain('agents 0/10');
    expect(view).toContain('Running (0)\n  no agents running');
  });

  it('last activities are in plain words from their structured fields, never raw event names', () => {
    const rows = [
      running('A-1', { last_event: 'notification', last_activity: activityRow({ kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null }) }),
      running('A-2', { last_event: 'turn_failed', last_activity: activityRow({ kind: 'turn', phase: 'failed', tool: null, command: null, detail: 'turn_failed: model error' }) }),
      running('A-3', { last_event: 'approval_auto_approved', last_activity: activityRow({ kind: 'approval', phase: 'completed', tool: null, command: null, detail: 'command approved for the session' }) }),
      running('A-4', { waiting: true, last_event: 'operator_waiting' }),
      running('A-5', { stopping: 'issue moved to Done' }),
      running('A-6', { last_event: null, last_message: null, last_event_at: null, last_activity: null }),
      running('A-7', { last_event: 'token_usage_updated', last_message: null, last_activity: null }),
    ];
    const view = renderStatusView(snapshot({ running: rows }), options({ columns: 160 }));
    expect(view).toMatch(/A-1 .* running `npm test` {2}5s ago/);
    expect(view).toMatch(/A-2 .* turn failed: turn_failed: model error/);
    expect(view).toMatch(/A-3 .* auto-approved: command approved for the session/);
    expect(view).toMatch(/A-4 .* waiting for operator/);
    expect(view).toMatch(/A-5 .* stopping: issue moved to Done/);
    expect(view).toMatch(/A-6 .* no event yet/);
    expect(view).toMatch(/A-7 .* token usage updated/);
    expect(view).not.toMatch(/approval_auto_approved|operator_waiting|item\/started/);
  });

  it('§13.6 describeActivity puts each kind of activity in words; describeEvent covers a run with none yet', () => {
    const words = (kind: AgentActivity['kind'], phase: AgentActivity['phase'], parts: Partial<AgentActivity> = {}): string =>
      describeActivity({ kind, phase, tool: null, command: null, detail: null, ...parts });
    expect(words('message', 'progress')).toBe('writing a reply');
    expect(words('message', 'completed')).toBe('wrote a reply');
    expect(words('reasoning', 'progress')).toBe('thinking');
    expect(words('command', 'started', { command: 'npm test' })).toBe('running `npm test`');
    expect(words('command', 'completed', { command: 'npm test', detail: 'exit code 0' })).toBe('ran `npm test` (exit code 0)');
    expect(words('command', 'failed', { command: 'npm test', detail: 'exit code 1' })).toBe('command failed: `npm test` (exit code 1)');
    expect(words('command', 'progress')).toBe('running a command');
    expect(words('file_change', 'completed', { detail: 'src/a.ts, src/b.ts' })).toBe('edited files: src/a.ts, src/b.ts');
    expect(words('tool', 'completed', { tool: 'linear_graphql' })).toBe('called linear_graphql');
    expect(words('tool', 'failed', { tool: 'linear_graphql', detail: 'HTTP 500' })).toBe('linear_graphql failed: HTTP 500');
    expect(words('web_search', 'started', { detail: 'vitest pool forks' })).toBe('searching the web: vitest pool forks');
    expect(words('plan', 'progress')).toBe('updated its plan');
    expect(words('compaction', 'completed')).toBe('compacted its context');
    expect(words('launch', 'waiting', { detail: '4 launches in flight, 2 waiting' })).toBe('waiting for a launch slot: 4 launches in flight, 2 waiting');
    expect(words('launch', 'started')).toBe('launching');
    expect(words('operator', 'waiting', { command: 'rm -rf build', detail: 'rm -rf build' })).toBe('waiting for an operator: rm -rf build');
    expect(words('error', 'failed', { detail: 'upstream overloaded' })).toBe('error: upstream overloaded');
    expect(words('other', 'started', { detail: 'imageView' })).toBe('started image view');
    expect(words('turn', 'started', { detail: 'turn 2 started' })).toBe('turn 2 started');
    expect(describeEvent('turn_input_required', 'whatever')).toBe('asked for input');
    expect(describeEvent('token_usage_updated', null)).toBe('token usage updated');
    expect(describeEvent('notification', 'item/started: agentMessage')).toBe('working');
    expect(describeEvent('some_future_event', null)).toBe('some future event');
    expect(describeEvent(null, null)).toBe('no event yet');
  });

  it('names each row\'s runtime once more than one runs, and lists candidates not dispatched with the reason (issue 8)', () => {
    const one = renderStatusView(snapshot({ running: [running('A-1', { runtime: 'codex' }), running('A-2', { runtime: 'codex' })] }), options({ columns: 160 }));
    expect(one).not.toContain('AGENT');
    const mixed = renderStatusView(snapshot({ running: [running('A-1', { runtime: 'codex' }), running('A-2', { runtime: 'claude' })] }), options({ columns: 160 }));
    expect(mixed).toMatch(/ISSUE\s+AGENT\s+STATE/);
    expect(mixed).toMatch(/A-2\s+claude\s+In Progress/);
    const skipped = renderStatusView(
      snapshot({ skipped: [{ issue_id: 'id-S-1', issue_identifier: 'S-1', issue_url: null, state: 'Todo', reason: 'label runtime:gpt-9 names no runtime of this build (supported: codex)', since: iso(-60_000) }] }),
      options({ columns: 160 }),
    );
    expect(skipped).toContain('Not dispatched (1)');
    expect(skipped).toMatch(/S-1\s+Todo\s+1m 00s ago\s+label runtime:gpt-9 names no runtime of this build/);
  });

  it('shows waiting-for-operator rows: issue, kind, request, cwd, waited, time left', () => {
    const rows = [waiting('SYM-4'), waiting('SYM-5', { kind: 'user_input', summary: 'Which database should I use?', command: null, cwd: null, since: iso(-20_000) })];
    const view = renderStatusView(snapshot({ running: [running('SYM-4', { waiting: true }), running('SYM-5', { waiting: true })], waiting: rows }), options({ columns: 140 }));
    expect(view).toContain('waiting 2');
    expect(view).toContain('Waiting for operator (2)');
    expect(view).toMatch(/ISSUE\s+ASKS\s+WAITING\s+FAILS IN\s+REQUEST/);
    expect(view).toMatch(/SYM-4\s+approval\s+3m 10s\s+26m 50s\s+git push origin feature \(in \/ws\/SYM-4\)/);
    expect(view).toMatch(/SYM-5\s+input\s+20s\s+26m 50s\s+Which database should I use\?/);
  });

  it('shows the retry queue (attempt, due in, reason) and blocked runs', () => {
    const view = renderStatusView(
      snapshot({
        retrying: [retry('SYM-7'), retry('SYM-8', { kind: 'continuation', error: null, attempt: 1, due_at: iso(-1) })],
        blocked: [{ issue_id: 'b', issue_identifier: 'SYM-9', issue_url: null, state: 'In Progress', reason: 'operator_timeout: no answer within 30m', since: iso(-120_000), workspace_path: null, cause: 'operator' }],
      }),
      options(),
    );
    expect(view).toContain('blocked 1 · retrying 2');
    expect(view).toMatch(/SYM-7\s+#2\s+35s\s+worker_failed: agent exited with code 1/);
    expect(view).toMatch(/SYM-8\s+#1\s+now\s+continuation \(issue still active\)/);
    expect(view).toMatch(/Blocked until the issue changes state \(1\)/);
    expect(view).toMatch(/SYM-9\s+In Progress\s+2m 00s ago\s+operator_timeout: no answer within 30m/);
  });

  it('shows the config status: last reload and the last rejected edit with its reason', () => {
    const config = {
      workflow_path: '/srv/WORKFLOW.md',
      loaded_at: iso(-3_600_000),
      last_reload: { at: iso(-180_000), changed: ['agent.max_turns', 'polling.interval_ms'] },
      last_rejected: { at: iso(-60_000), reason: 'workflow_parse_error: bad YAML at line 3' },
    };
    const view = renderStatusView(snapshot({ config }), options({ columns: 200 }));
    expect(view.split('\n')[4]).toBe('workflow WORKFLOW.md · reloaded 3m 00s ago (agent.max_turns, polling.interval_ms) · rejected edit 1m 00s ago: bad YAML at line 3 — workflow_parse_error');
  });

  it('a rejected edit says what is wrong (the key) first and the long absolute path last, shortened', () => {
    const workflowPath = '/home/operator/projects/payments-service/deploy/symphony/WORKFLOW.md';
    const config = { workflow_path: workflowPath, loaded_at: iso(-3_600_000), last_reload: null, last_rejected: { at: iso(-60_000), reason: `invalid_config: ${workflowPath}: agent.max_turns must be a positive integer (got "many")` } };
    const line = renderStatusView(snapshot({ config }), options({ columns: 100 })).split('\n')[4] ?? '';
    expect(line).toBe('workflow WORKFLOW.md · loaded 1h 00m ago · rejected edit 1m 00s ago: agent.max_turns must be a posi…');
    expect(line).not.toContain('/home/operator');
    const wide = renderStatusView(snapshot({ config }), options({ columns: 200 })).split('\n')[4] ?? '';
    expect(wide).toContain('rejected edit 1m 00s ago: agent.max_turns must be a positive integer (got "many") — invalid_config in WORKFLOW.md');
  });

  it('rejectionParts/describeRejection put the message first, then the code and file:line', () => {
    const wf = '/srv/very/long/path/WORKFLOW.md';
    expect(rejectionParts(`invalid_config: ${wf}: polling.interval_ms must be a positive integer (got -3)`, wf)).toEqual({ message: 'polling.interval_ms must be a positive integer (got -3)', code: 'invalid_config', where: 'WORKFLOW.md' });
    expect(describeRejection(`workflow_parse_error: ${wf}:2:11: invalid YAML front matter: bad indentation`, wf)).toBe('invalid YAML front matter: bad indentation — workflow_parse_error in WORKFLOW.md:2:11');
    // Without the file unless it has a line number (the dispatch line names the file already).
    expect(describeRejection(`invalid_config: ${wf}: agent.max_turns must be a positive integer`, wf, false)).toBe('agent.max_turns must be a positive integer — invalid_config');
    expect(describeRejection(`workflow_parse_error: ${wf}:2:11: invalid YAML`, wf, false)).toBe('invalid YAML — workflow_parse_error in WORKFLOW.md:2:11');
    // A path elsewhere in the message is shortened too; other shapes come back as they are.
    expect(describeRejection(`missing_workflow_file: workflow file not found: ${wf} (ENOENT)`, wf)).toBe('workflow file not found: WORKFLOW.md (ENOENT) — missing_workflow_file');
    expect(describeRejection('something odd happened', wf)).toBe('something odd happened');
    expect(describeRejection(`template_parse_error: /other/place/PROMPT.md:12:5: unknown tag`, wf)).toBe('unknown tag — template_parse_error in PROMPT.md:12:5');
  });

  it('shortPath shows a path relative to the cwd, or under ~, else whole', () => {
    expect(shortPath('/srv/app/log/symphony.log', '/srv/app', '/home/me')).toBe('log/symphony.log');
    expect(shortPath('/srv/app/log/symphony.log', '/srv/app/', null)).toBe('log/symphony.log');
    expect(shortPath('/home/me/work/log/symphony.log', '/srv/app', '/home/me')).toBe('~/work/log/symphony.log');
    expect(shortPath('/var/log/symphony.log', '/srv/app', '/home/me')).toBe('/var/log/symphony.log');
    expect(shortPath('/srv/application/x.log', '/srv/app', null)).toBe('/srv/application/x.log');
  });

  it('says dispatch is paused while WORKFLOW.md is invalid, under the config line (issue 7 item 5)', () => {
    const summary = `dispatch: paused — WORKFLOW.md invalid since ${iso(-60_000)}: workflow_parse_error: bad YAML at line 3`;
    const paused = snapshot({ dispatch: { state: 'paused', paused_since: iso(-60_000), reason: 'workflow_parse_error: bad YAML at line 3', summary } });
    expect(renderStatusView(paused, options({ columns: 200 })).split('\n')[5]).toBe('dispatch: paused — WORKFLOW.md invalid for 1m 00s: bad YAML at line 3 — workflow_parse_error');
    // The key first here too, not the absolute path.
    const reason = 'invalid_config: /srv/project/WORKFLOW.md: agent.max_turns must be a positive integer (got "many")';
    const keyed = snapshot({ dispatch: { state: 'paused', paused_since: iso(-60_000), reason, summary: `dispatch: paused — WORKFLOW.md invalid since ${iso(-60_000)}: ${reason}` } });
    expect(renderStatusView(keyed, options({ columns: 200 })).split('\n')[5]).toBe('dispatch: paused — WORKFLOW.md invalid for 1m 00s: agent.max_turns must be a positive integer (got "many") — invalid_config');
    expect(renderStatusView(snapshot(), options({ columns: 200 }))).not.toContain('dispatch: paused');
  });

  it('uses no ANSI at all when color is false, and SGR colours only when true', () => {
    const snap = snapshot({ running: [running('SYM-1')], retrying: [retry('SYM-2')], waiting: [waiting('SYM-1')] });
    expect(renderStatusView(snap, options())).not.toContain('\x1b');
    const colored = renderStatusView(snap, options({ color: true }));
    expect(colored).toContain('\x1b[1m');
    expect(colored.match(/\x1b\[[^m]*[A-Za-z]/g)?.every((seq) => seq.endsWith('m'))).toBe(true);
    expect(plain(colored)).toBe(renderStatusView(snap, options()));
  });

  it('strips control characters from agent text so it cannot drive the terminal', () => {
    const row = running('SYM-1', { last_event: 'turn_failed', last_activity: { ...activityRow({ kind: 'turn', phase: 'failed', tool: null, command: null, detail: null }), summary: 'turn failed: boom\x1b[2J\x1b]0;owned\x07\nnext\u202eline' }, state: 'Todo\r' });
    const view = renderStatusView(snapshot({ running: [row] }), options());
    expect(view).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\u202e]/);
    expect(view).toContain('turn failed: boom [2J ]0;owned next line');
  });

  it('fits the width: long lines are cut with … and no line is wider than columns', () => {
    const long = running('SYM-1', { last_event: 'tool_call_failed', last_activity: activityRow({ kind: 'tool', phase: 'failed', tool: 'linear_graphql', command: null, detail: 'x'.repeat(300) }) });
    const view = renderStatusView(snapshot({ running: [long], retrying: [retry('SYM-2', { error: 'e'.repeat(200) })] }), options({ columns: 60 }));
    const lines = view.split('\n');
    expect(lines.every((line) => cellsOf(line) <= 60)).toBe(true);
    expect(lines.find((line) => line.includes('SYM-1'))).toMatch(/…$/);
    expect(lines.find((line) => line.includes('SYM-1'))).toHaveLength(60);
    expect(lines.find((line) => line.includes('SYM-2'))).toMatch(/^ {2}SYM-2\s+#2\s+35s\s+e+…$/);
  });

  it('counts East Asian wide characters and emoji as two cells', () => {
    const view = renderStatusView(snapshot({ running: [running('SYM-1', { last_event: 'turn_failed', last_message: '失敗しました🚀'.repeat(20) })] }), options({ columns: 50 }));
    const line = view.split('\n').find((l) => l.includes('SYM-1')) ?? '';
    const cells = [...line].reduce((n, ch) => n + (/[\u3000-\u9fff]|\p{Extended_Pictographic}/u.test(ch) ? 2 : 1), 0);
    expect(cells).toBeLessThanOrEqual(50);
    expect(line.endsWith('…')).toBe(true);
  });

  it('fits the height: rows are elided per table behind "+N more", each table keeps some rows', () => {
    const many = Array.from({ length: 30 }, (_, i) => running(`SYM-${100 + i}`));
    const retries = Array.from({ length: 12 }, (_, i) => retry(`SYM-${200 + i}`));
    const view = renderStatusView(snapshot({ running: many, retrying: retries }), options({ rows: 21 }));
    const lines = view.split('\n');
    expect(lines).toHaveLength(21);
    // 5 top lines + 2 titles + 2 column headers leave 12 rows: 6 per table, the last being "+N more".
    expect(lines.filter((l) => /^ {2}SYM-1\d\d /.test(l))).toHaveLength(5);
    expect(lines).toContain('  +25 more');
    expect(lines.filter((l) => /^ {2}SYM-2\d\d /.test(l))).toHaveLength(5);
    expect(lines).toContain('  +7 more');
    expect(lines.at(-1)).toBe('  +7 more');
  });

  it('never exceeds the terminal, whatever its size and contents (property)', () => {
    const snap = snapshot({
      running: Array.from({ length: 8 }, (_, i) => running(`SYM-${i}`)),
      retrying: Array.from({ length: 5 }, (_, i) => retry(`R-${i}`)),
      waiting: [waiting('SYM-1'), waiting('SYM-2')],
      rate_limits: { primary: { usedPercent: 95, windowDurationMins: 300 } },
      recent_runs: Array.from({ length: 7 }, (_, i) => ended(`E-${i}`, { outcome: i % 2 === 0 ? 'failed' : 'completed', reason: i % 2 === 0 ? 'x'.repeat(150) : null })),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 60 }), fc.boolean(), (columns, rows, color) => {
        const lines = renderStatusView(snap, options({ columns, rows, color, dashboardUrl: 'http://127.0.0.1:8080/', logFile: 'log/symphony.log' })).split('\n');
        expect(lines.length).toBeLessThanOrEqual(rows);
        for (const line of lines) expect(cellsOf(line)).toBeLessThanOrEqual(columns);
      }),
    );
  });
});

describe('formatRateLimits (§13.5)', () => {
  const nowSec = NOW / 1000;

  it('says Codex windows in words as the dashboard does: used, window, reset; then credits', () => {
    const limits = {
      limitId: 'codex',
      limitName: null,
      primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: nowSec + 3600 + 12 * 60 },
      secondary: { usedPercent: 8, windowDurationMins: 10080, resetsAt: null },
      credits: { hasCredits: true, unlimited: false, balance: '12.50' },
      planType: 'pro',
      rateLimitReachedType: null,
    };
    expect(formatRateLimits(limits, NOW)).toBe('codex (pro plan): primary 42% used · 5h window · resets in 1h 12m · secondary 8% used · 7d window · credits 12.50');
    expect(formatRateLimits({ primary: limits.primary }, NOW)).toBe('primary 42% used · 5h window · resets in 1h 12m');
  });

  it('handles partial, reached, past-reset, resets-in and snake_case shapes', () => {
    expect(formatRateLimits({ primary: { usedPercent: 30 } }, NOW)).toBe('primary 30% used');
    expect(formatRateLimits({ primary: { used_percent: 100, window_minutes: 90, resets_at: nowSec - 5 }, rateLimitReachedType: 'primary_window' }, NOW)).toBe('primary 100% used · 90m window · reset due · limit reached (primary window)');
    expect(formatRateLimits({ secondary: { usedPercent: 5, resets_in_seconds: 90 }, credits: { hasCredits: false, unlimited: false } }, NOW)).toBe('secondary 5% used · resets in 1m 30s · no credits');
    expect(formatRateLimits({ credits: { hasCredits: true, unlimited: true } }, NOW)).toBe('credits unlimited');
  });

  it('puts unknown shapes in words on one line, never as raw JSON', () => {
    expect(formatRateLimits(null, NOW)).toBe('none reported yet');
    expect(formatRateLimits({ remaining: 5 }, NOW)).toBe('remaining 5');
    expect(formatRateLimits('odd', NOW)).toBe('odd');
    expect(formatRateLimits({}, NOW)).toBe('empty report');
    const odd = { bucketName: 'chat', usage: { used: 3, max: 10, nested: { deep: { deeper: 1 } } }, windows: [1, 2, 3], note: 'line one\nline two {"x":1}' };
    expect(formatRateLimits(odd, NOW)).toBe('bucket name chat · usage (used 3, max 10, nested (…)) · windows 3 items · note line one line two {"x":1}');
    expect(genericWords({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: null })).toBe('a 1 · b 2 · c 3 · d 4 · e 5 · f 6 · +1 more');
    // In the view: one line, cut to the width.
    const big = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, { value: i, text: 'y'.repeat(30) }]));
    const lines = renderStatusView(snapshot({ rate_limits: big }), options({ columns: 80 })).split('\n');
    const line = lines[3] ?? '';
    expect(line.startsWith('rate limits key0 (value 0, text yyy')).toBe(true);
    expect(line).toHaveLength(80);
    expect(line.endsWith('…')).toBe(true);
    expect(lines[4]).toMatch(/^workflow /);
    expect(lines.join('\n')).not.toMatch(/[{}"]/);
  });

  it('colours windows by how much is used', () => {
    const line = (pct: number): string =>
      renderStatusView(snapshot({ rate_limits: { primary: { usedPercent: pct } } }), options({ color: true })).split('\n')[3] ?? '';
    expect(line(95)).toContain('\x1b[31mprimary 95% used');
    expect(line(75)).toContain('\x1b[33mprimary 75% used');
    expect(line(10)).toContain('primary 10% used');
    expect(line(10)).not.toContain('\x1b[31m');
  });
});

describe('formatDuration and summaryLine', () => {
  it('formats durations compactly', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(59_999)).toBe('59s');
    expect(formatDuration(242_000)).toBe('4m 02s');
    expect(formatDuration(3_725_000)).toBe('1h 02m');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
  });

  it('summarises the daemon in one line', () => {
    const line = summaryLine(snapshot({ retrying: [retry('SYM-1')], codex_totals: { input_tokens: 1200, output_tokens: 300, total_tokens: 1500, seconds_running: 242 } }), '0.1.0');
    expect(line).toBe('symphony 0.1.0 · agents 0/10 · waiting 0 · blocked 0 · retrying 1 · tokens in 1,200 out 300 total 1,500 · runtime 4m 02s');
  });
});

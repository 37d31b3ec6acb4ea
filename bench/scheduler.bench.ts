/**
 * The pure scheduler core (`step`, `sortForDispatch`, `snapshotState`): tick, telemetry, retry
 * churn and snapshot costs, plus retained heap per running entry. Prints figures; asserts nothing.
 *
 * Run: `npm run build && node --expose-gc bench/scheduler.bench.ts`.
 */
import { step } from '../dist/scheduler/core.js';
import { sortForDispatch, type SchedulerConfig } from '../dist/scheduler/policy.js';
import { snapshotState } from '../dist/scheduler/snapshot.js';
import { initialState, type OrchestratorState, type RetryEntry, type RunningEntry } from '../dist/scheduler/state.js';
import type { SchedulerEvent } from '../dist/scheduler/events.js';
import type { AgentEvent } from '../dist/domain/agent-event.js';
import type { Issue } from '../dist/domain/issue.js';
import type * as Harness from './lib/harness.js';
import type * as Fixtures from './lib/issues.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { measure, toRow, printTable, printEnvironment, heapUsedAfterGc, mb } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;
const { makeIssue, makeIssues } = (await import(new URL('./lib/issues.ts', import.meta.url).href)) as typeof Fixtures;

const NOW_MS = Date.UTC(2025, 5, 1, 12);

/** The repo's WORKFLOW.md limits, scaled so a 50-running tick still has free slots. */
const TICK_CONFIG: SchedulerConfig = {
  activeStates: ['Todo', 'In Progress'],
  terminalStates: ['Done', 'Canceled', 'Cancelled', 'Duplicate'],
  requiredLabels: ['agent'],
  maxConcurrentAgents: 60,
  maxConcurrentAgentsByState: { todo: 40 },
  maxRetryBackoffMs: 300_000,
  stallTimeoutMs: 300_000,
};

/** No label gate and room for everything: used to build large states and for churn. */
const OPEN_CONFIG: SchedulerConfig = { ...TICK_CONFIG, requiredLabels: [], maxConcurrentAgents: 100_000, maxConcurrentAgentsByState: {} };

function agentEvent(issue: Issue, event: AgentEvent['event'], tokens: number): AgentEvent {
  return {
    event,
    timestamp: new Date(NOW_MS),
    codexAppServerPid: 40_000 + (tokens % 1000),
    sessionId: `thr_${issue.id.slice(0, 12)}-turn_${tokens % 7}`,
    threadId: `thr_${issue.id.slice(0, 12)}`,
    turnId: `turn_${tokens % 7}`,
    method: event === 'token_usage_updated' ? 'thread/tokenUsage/updated' : 'turn/started',
    usage: { inputTokens: tokens * 3, outputTokens: tokens, totalTokens: tokens * 4 },
    message: `${event} for ${issue.identifier}`,
  };
}

/** A running entry as the core builds it: dispatched, session started, one token update. */
function runningEntryFor(issue: Issue): RunningEntry {
  const open = issue.dispatchable ? issue : { ...issue, dispatchable: true };
  let state = step(initialState(), { type: 'candidates_fetched', issues: [open] }, NOW_MS, OPEN_CONFIG).state;
  for (const [name, tokens] of [['session_started', 0], ['token_usage_updated', 1200]] as const) {
    state = step(state, { type: 'agent_event', issueId: open.id, event: agentEvent(open, name, tokens) }, NOW_MS + 1000, OPEN_CONFIG).state;
  }
  const entry = state.running.get(open.id);
  if (entry === undefined) throw new Error(`bench fixture: ${open.identifier} was not dispatched`);
  return entry;
}

function retryEntryFor(issue: Issue, index: number): RetryEntry {
  const attempt = (index % 5) + 1;
  return {
    issueId: issue.id,
    identifier: issue.identifier,
    attempt,
    dueAtMs: NOW_MS + 10_000 * 2 ** (attempt - 1),
    error: index % 3 === 0 ? null : `worker exited: codex app-server exited with code 1 (attempt ${attempt})`,
    errorCode: null,
    kind: index % 3 === 0 ? 'continuation' : 'failure',
    cause: index % 3 === 0 ? 'continuation' : 'worker_failed',
    issueUrl: issue.url,
  };
}

function stateWith(running: readonly RunningEntry[], retries: readonly RetryEntry[] = []): OrchestratorState {
  return {
    ...initialState(),
    running: new Map(running.map((entry) => [entry.issueId, entry])),
    claimed: new Set([...running.map((e) => e.issueId), ...retries.map((r) => r.issueId)]),
    retryAttempts: new Map(retries.map((retry) => [retry.issueId, retry])),
  };
}

function tokenStream(issues: readonly Issue[], count: number): SchedulerEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const issue = issues[i % issues.length]!;
    return { type: 'agent_event', issueId: issue.id, event: agentEvent(issue, 'token_usage_updated', 1200 + i) };
  });
}

function applyAll(state: OrchestratorState, events: readonly SchedulerEvent[], config: SchedulerConfig): OrchestratorState {
  let next = state;
  for (const event of events) next = step(next, event, NOW_MS + 5000, config).state;
  return next;
}

/** worker_exited → retry_due → retry_refreshed (re-dispatch) for every running issue, in turn. */
function churn(state: OrchestratorState, issues: readonly Issue[]): OrchestratorState {
  let next = state;
  let now = NOW_MS;
  issues.forEach((issue, i) => {
    const outcome = i % 2 === 0 ? ({ kind: 'normal' } as const) : ({ kind: 'failed', error: 'turn_failed' } as const);
    next = step(next, { type: 'worker_exited', issueId: issue.id, outcome }, (now += 10), OPEN_CONFIG).state;
    next = step(next, { type: 'retry_due', issueId: issue.id }, (now += 10), OPEN_CONFIG).state;
    next = step(next, { type: 'retry_refreshed', issueId: issue.id, issue }, (now += 10), OPEN_CONFIG).state;
  });
  if (next.running.size !== issues.length) throw new Error(`bench churn: ${next.running.size} running, expected ${issues.length}`);
  return next;
}

printEnvironment('scheduler.bench.ts');

const candidates = makeIssues(1000);
const running50 = candidates.slice(0, 50).map(runningEntryFor);
const tickState = stateWith(running50);
const fullConfig: SchedulerConfig = { ...TICK_CONFIG, maxConcurrentAgents: 50 };
const dispatched = step(tickState, { type: 'candidates_fetched', issues: candidates }, NOW_MS, TICK_CONFIG).state.running.size - 50;

const tokenEvents50 = tokenStream(candidates.slice(0, 50), 10_000);
const churnIssues = makeIssues(1000, 10_000).map((issue) => ({ ...issue, dispatchable: true }));
const state1000 = stateWith(churnIssues.map(runningEntryFor));
const tokenEvents1000 = tokenStream(churnIssues, 2000);
const snapshotInput = stateWith(makeIssues(200, 20_000).map(runningEntryFor), makeIssues(1000, 30_000).map(retryEntryFor));

printTable(`pure core (tick dispatches ${dispatched} of 1000 candidates; p50/p99 are ms per sample of n ops)`, [
  measure({ name: 'sortForDispatch, 1000 candidates', run: () => sortForDispatch(candidates) }),
  measure({ name: 'step candidates_fetched 1000 cand / 50 running', run: () => step(tickState, { type: 'candidates_fetched', issues: candidates }, NOW_MS, TICK_CONFIG) }),
  measure({ name: '  same, no free slot (max 50)', run: () => step(tickState, { type: 'candidates_fetched', issues: candidates }, NOW_MS, fullConfig) }),
  measure({ name: 'step agent_event tokens, 50 running', n: 10_000, run: () => applyAll(tickState, tokenEvents50, TICK_CONFIG) }),
  measure({ name: '  same, 1000 running', n: tokenEvents1000.length, budgetMs: 2000, run: () => applyAll(state1000, tokenEvents1000, OPEN_CONFIG) }),
  measure({ name: 'retry churn, 1000 issues (3 steps each)', n: 1000, budgetMs: 2000, run: () => churn(state1000, churnIssues) }),
  measure({ name: 'snapshotState 200 running + 1000 retrying', run: () => snapshotState(snapshotInput, NOW_MS + 60_000) }),
].map(toRow));

// Retained heap: 10k issues, then 10k running entries (referencing them) in one state.
const RETAINED = 10_000;
const heapStart = heapUsedAfterGc();
const retainedIssues = Array.from({ length: RETAINED }, (_, i) => ({ ...makeIssue(100_000 + i), dispatchable: true }));
const heapIssues = heapUsedAfterGc();
const retainedState = stateWith(retainedIssues.map(runningEntryFor));
const heapEntries = heapUsedAfterGc();
printTable('retained heap (after global.gc())', [
  { name: `${RETAINED} Issue objects`, n: retainedIssues.length, 'heap Δ MB': mb(heapIssues - heapStart), 'KB/each': (heapIssues - heapStart) / RETAINED / 1000 },
  {
    name: `${RETAINED} running entries in state (excl. issues)`,
    n: retainedState.running.size,
    'heap Δ MB': mb(heapEntries - heapIssues),
    'KB/each': (heapEntries - heapIssues) / RETAINED / 1000,
  },
]);

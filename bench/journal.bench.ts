/**
 * Run-journal write cost at 100 running agents (issue 9; target: the journal adds no more than
 * 10 % to the daemon's CPU).
 *
 * 1. Per scheduler step: the pure `step` alone, `step` + the pure diff (`journalChanges`), and
 *    `step` + `JournalWriter.record` into a real journal file (WAL, `synchronous=NORMAL`) in a temp
 *    dir, for a 20-event turn per agent and for each kind of event in it. A second table times the
 *    store's writes one by one (claim, usage and day rows, one transaction or two).
 * 2. Daemon level: the real `Orchestrator` shell with fake deps (a workflow source, workers whose
 *    `done` never settles, pino JSON to /dev/null) dispatches 100 issues, then takes agent events
 *    through each worker's `report.agentEvent`, with and without `journal`. `process.cpuUsage()`
 *    (user + system) of the event phase, rounds alternating the order, medians.
 *
 * The event mix per agent and turn (every event carries `threadId`, `turnId`, `sessionId` and an
 * activity, as the Codex client sends them): `turn_started` (a new turn id, so a new `sessionId`),
 * 11 notifications without token change, 3 command activities, 4 `token_usage_updated` (absolute
 * totals growing), `turn_completed`. Agents are staggered so their turns do not start together.
 * Prints figures; checks the journal's rows and the daemon's token totals, never a duration.
 *
 * Run: `npm run build && node bench/journal.bench.ts`.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { buildServiceConfig } from '../dist/config/build.js';
import type { EffectiveWorkflow, ServiceConfig } from '../dist/config/types.js';
import type { AgentActivity, AgentEvent } from '../dist/domain/agent-event.js';
import type { Issue } from '../dist/domain/issue.js';
import { journalChanges, isEmpty, touchedIssue } from '../dist/journal/diff.js';
import { openJournal, type Journal } from '../dist/journal/store.js';
import { JournalWriter } from '../dist/journal/writer.js';
import { createLogger, silentLogger } from '../dist/logging/logger.js';
import { logAgentEvent } from '../dist/logging/agent-events.js';
import { StatusHub } from '../dist/status/hub.js';
import { step } from '../dist/scheduler/core.js';
import type { SchedulerEvent } from '../dist/scheduler/events.js';
import { Orchestrator, schedulerConfigOf, type WorkerHandle, type WorkerReport } from '../dist/scheduler/orchestrator.js';
import { initialState, type OrchestratorState } from '../dist/scheduler/state.js';
import type { AgentToolSpec, ToolResult, TrackerAdapter } from '../dist/tracker/tracker.js';
import { trackerProfiles } from '../dist/tracker/registry.js';
import type * as Harness from './lib/harness.js';
import type * as Fixtures from './lib/issues.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { measure, printTable, printEnvironment, collectGarbage, quantile } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;
const { makeIssues } = (await import(new URL('./lib/issues.ts', import.meta.url).href)) as typeof Fixtures;

const AGENTS = 100;
/** Events of one agent turn (see the file comment for the mix). */
const TURN_EVENTS = 20;
/** Agent events per daemon phase (one round of one variant): 10 turns per agent. */
const DAEMON_EVENTS = 20_000;
/** Measured daemon rounds (each runs both variants), after one unmeasured warm-up round. */
const ROUNDS = 6;
const NOW_MS = Date.UTC(2025, 5, 1, 12);
const REVISION = 'b'.repeat(64);
/** Tokens one `token_usage_updated` adds to an agent's absolute totals. */
const STEP_INPUT = 1800;
const STEP_OUTPUT = 350;

const dir = mkdtempSync(path.join(tmpdir(), 'symphony-bench-journal-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

// --- the config, the issues and the event mix -------------------------------------------------

function serviceConfig(): ServiceConfig {
  const raw = {
    tracker: { kind: 'linear', provider: { api_key: 'lin_api_bench_journal', project_slug: 'bench-journal' } },
    workspace: { root: path.join(dir, 'workspaces') },
    agent: { max_concurrent_agents: AGENTS },
  };
  const built = buildServiceConfig(raw, { workflowPath: path.join(dir, 'WORKFLOW.md'), env: {}, profiles: trackerProfiles });
  if (built.config === undefined) throw new Error(`bench journal: config rejected: ${built.errors.map((issue) => issue.message).join('; ')}`);
  return built.config;
}

const workflow: EffectiveWorkflow = { config: serviceConfig(), promptTemplate: 'Work on {{ issue.identifier }}.', revision: REVISION, warnings: [] };
const config = schedulerConfigOf(workflow.config);
const issues: Issue[] = makeIssues(AGENTS).map((issue) => ({ ...issue, dispatchable: true }));

type Kind = 'notification' | 'command' | 'token_usage_updated' | 'turn_started' | 'turn_completed';

/** The kind of the `position`-th event of a turn (0 … TURN_EVENTS − 1). */
function kindAt(position: number): Kind {
  if (position === 0) return 'turn_started';
  if (position === TURN_EVENTS - 1) return 'turn_completed';
  if (position % 4 === 0) return 'token_usage_updated';
  if (position === 3 || position === 10 || position === 17) return 'command';
  return 'notification';
}

/** Token updates an agent has sent up to and including its `seq`-th event. */
function tokenUpdatesUpTo(seq: number): number {
  const turns = Math.floor(seq / TURN_EVENTS);
  const position = seq % TURN_EVENTS;
  return turns * 4 + Math.floor(position / 4);
}

const activity = (kind: AgentActivity['kind'], phase: AgentActivity['phase'], command: string | null = null, detail: string | null = null): AgentActivity => ({ kind, phase, tool: null, command, detail });

/** The `seq`-th event (0-based, from the first turn) of agent `agent`, as the Codex client emits it. */
function agentEvent(agent: number, seq: number): AgentEvent {
  const turn = Math.floor(seq / TURN_EVENTS) + 1;
  const position = seq % TURN_EVENTS;
  const threadId = `thr_${agent.toString(16).padStart(4, '0')}`;
  const turnId = `turn_${turn}`;
  const ids = { timestamp: new Date(NOW_MS), codexAppServerPid: 40_000 + agent, threadId, turnId, sessionId: `${threadId}-${turnId}` };
  switch (kindAt(position)) {
    case 'turn_started':
      return { event: 'turn_started', ...ids, method: 'turn/started', message: `turn ${turn} started`, activity: activity('turn', 'started', null, `turn ${turn}`) };
    case 'turn_completed':
      return { event: 'turn_completed', ...ids, method: 'turn/completed', activity: activity('turn', 'completed') };
    case 'token_usage_updated': {
      const k = tokenUpdatesUpTo(seq);
      const usage = { inputTokens: k * STEP_INPUT, outputTokens: k * STEP_OUTPUT, totalTokens: k * (STEP_INPUT + STEP_OUTPUT) };
      return { event: 'token_usage_updated', ...ids, method: 'thread/tokenUsage/updated', usage, activity: activity('internal', 'progress') };
    }
    case 'command': {
      const done = position === 10;
      return { event: 'notification', ...ids, method: done ? 'item/completed' : 'item/started', message: 'npm test -- --run', activity: activity('command', done ? 'completed' : 'started', 'npm test -- --run', done ? 'exit 0' : null) };
    }
    case 'notification': {
      const reasoning = position % 2 === 1;
      return { event: 'notification', ...ids, method: reasoning ? 'item/reasoning/summaryTextDelta' : 'item/agentMessage/delta', message: reasoning ? 'Looking at the ledger export' : 'Updating the rounding helper', activity: activity(reasoning ? 'reasoning' : 'message', 'progress') };
    }
  }
}

/** The agent of the `j`-th event of a stream, and its event number (agents staggered by phase). */
function streamEvent(j: number, firstSeq: number): { readonly agent: number; readonly seq: number } {
  const agent = j % AGENTS;
  return { agent, seq: firstSeq + (agent % TURN_EVENTS) + Math.floor(j / AGENTS) };
}

// --- part 1: per scheduler step ------------------------------------------------------------------

const BASE_TIME = NOW_MS + 60_000;

/** 100 running: dispatched, workspace ready, session started, then the first 5 events of turn 1 (one token update). */
function baseState(): OrchestratorState {
  let state = step(initialState(), { type: 'candidates_fetched', issues }, NOW_MS, config).state;
  if (state.running.size !== AGENTS) throw new Error(`bench journal: dispatched ${state.running.size} of ${AGENTS}`);
  issues.forEach((issue, agent) => {
    state = step(state, { type: 'workspace_ready', issueId: issue.id, workspacePath: path.join(dir, 'workspaces', issue.identifier) }, NOW_MS, config).state;
    const threadId = agentEvent(agent, 0).threadId;
    state = step(state, { type: 'agent_event', issueId: issue.id, event: { event: 'session_started', timestamp: new Date(NOW_MS), codexAppServerPid: 40_000 + agent, ...(threadId === undefined ? {} : { threadId }) } }, NOW_MS, config).state;
    for (let seq = 0; seq < 5; seq++) state = step(state, { type: 'agent_event', issueId: issue.id, event: agentEvent(agent, seq) }, NOW_MS, config).state;
  });
  return state;
}

const base = baseState();

const toEvent = (agent: number, seq: number): SchedulerEvent => ({ type: 'agent_event', issueId: issues[agent]!.id, event: agentEvent(agent, seq) });

/** One turn per agent, from turn 2 on, staggered: every kind in its proportion. */
const mixEvents: SchedulerEvent[] = Array.from({ length: AGENTS * TURN_EVENTS }, (_, j) => {
  const { agent, seq } = streamEvent(j, TURN_EVENTS);
  return toEvent(agent, seq);
});

/** One event of `kind` per agent (turn 1 continues; `turn_started` opens turn 2). */
function kindEvents(kind: Kind): SchedulerEvent[] {
  const seq = { notification: 5, command: 10, token_usage_updated: 8, turn_started: TURN_EVENTS, turn_completed: TURN_EVENTS - 1 }[kind];
  return issues.map((_, agent) => toEvent(agent, seq));
}

type Mode = 'step' | 'diff' | 'record';

const journal1 = openJournal(path.join(dir, 'steps', 'journal.db'));
const writer1 = new JournalWriter(journal1, silentLogger());
let diffSink = 0;

/** Applies `events` from the base state, with the journal work of `mode` after each step. */
function applyAll(events: readonly SchedulerEvent[], mode: Mode): OrchestratorState {
  let state = base;
  let nowMs = BASE_TIME;
  for (const event of events) {
    const result = step(state, event, (nowMs += 1), config);
    if (mode === 'diff') {
      const changes = journalChanges(state, result.state, result.effects, { nowMs, workflowRevision: REVISION, runtimeOf: () => 'codex', touched: touchedIssue(event) });
      if (!isEmpty(changes)) diffSink += 1;
    } else if (mode === 'record') {
      writer1.record({ previous: state, state: result.state, effects: result.effects, nowMs, workflowRevision: REVISION, event });
    }
    state = result.state;
  }
  return state;
}

/** Transactions and rows one event writes, averaged over `events` (counted from the pure diff). */
function writesPerEvent(events: readonly SchedulerEvent[]): { tx: number; claims: number; usage: number; days: number } {
  let state = base;
  let nowMs = BASE_TIME;
  const count = { tx: 0, claims: 0, usage: 0, days: 0 };
  for (const event of events) {
    const result = step(state, event, (nowMs += 1), config);
    const changes = journalChanges(state, result.state, result.effects, { nowMs, workflowRevision: REVISION, runtimeOf: () => 'codex', touched: touchedIssue(event) });
    if (!isEmpty(changes)) count.tx += 1;
    count.claims += changes.putClaims.length + changes.deleteClaims.length;
    count.usage += changes.putUsage.length;
    count.days += changes.putDay === null ? 0 : 1;
    state = result.state;
  }
  const n = events.length;
  return { tx: count.tx / n, claims: count.claims / n, usage: count.usage / n, days: count.days / n };
}

/** µs per event of `mode` over `events`. */
function usPerEvent(events: readonly SchedulerEvent[], mode: Mode, name: string): number {
  return measure({ name, n: events.length, warmupMs: 150, budgetMs: 600, run: () => applyAll(events, mode) }).msPerOp * 1000;
}

printEnvironment('journal.bench.ts');

// The mix's end state must hold every agent's tokens after turn 2 plus its stagger.
const mixEnd = applyAll(mixEvents, 'step');
issues.forEach((issue, agent) => {
  const lastSeq = TURN_EVENTS + (agent % TURN_EVENTS) + TURN_EVENTS - 1;
  const want = tokenUpdatesUpTo(lastSeq) * (STEP_INPUT + STEP_OUTPUT);
  const got = mixEnd.running.get(issue.id)?.codexTotalTokens;
  if (got !== want) throw new Error(`bench journal: ${issue.identifier} has ${got} tokens after the mix, expected ${want}`);
});

const cases: [string, readonly SchedulerEvent[]][] = [
  [`mix: 1 turn × ${AGENTS} agents`, mixEvents],
  ['notification (no token change)', kindEvents('notification')],
  ['command activity', kindEvents('command')],
  ['token_usage_updated', kindEvents('token_usage_updated')],
  ['turn_started (new sessionId)', kindEvents('turn_started')],
  ['turn_completed', kindEvents('turn_completed')],
];
const stepRows: Harness.Row[] = [];
let mixAddedUs = 0;
for (const [name, events] of cases) {
  const stepUs = usPerEvent(events, 'step', name);
  const diffUs = usPerEvent(events, 'diff', name);
  const recordUs = usPerEvent(events, 'record', name);
  const writes = writesPerEvent(events);
  if (name.startsWith('mix')) mixAddedUs = recordUs - stepUs;
  stepRows.push({
    name,
    events: events.length,
    'step µs': stepUs,
    'step+diff µs': diffUs,
    'step+record µs': recordUs,
    'journal added µs': recordUs - stepUs,
    'of which SQLite µs': recordUs - diffUs,
    'added %': ((recordUs - stepUs) / stepUs) * 100,
    'tx/event': writes.tx,
    'claim rows/event': writes.claims,
    'usage rows/event': writes.usage,
    'day rows/event': writes.days,
  });
}
if (diffSink === 0) throw new Error('bench journal: the diff found nothing to write in any step');
printTable(`per scheduler step, ${AGENTS} running (µs per agent event; record = diff + one SQLite transaction when something changed)`, stepRows);
console.log(`journal added per agent event (mix): ${mixAddedUs.toFixed(2)} µs`);

// The store's writes one by one, on their own journal file, cycling through the 100 issues.
const journal2 = openJournal(path.join(dir, 'store', 'journal.db'));
const claimsOf = [...base.running.values()].map((entry) => ({
  issueId: entry.issueId, identifier: entry.identifier, issueUrl: entry.issue.url, issueState: entry.issue.state, kind: 'running' as const, runtime: entry.runtime,
  attempt: null, sessionId: entry.sessionId, threadId: entry.threadId, workspacePath: entry.workspacePath, startedAtMs: entry.startedAtMs, waiting: null, retry: null, blocked: null, updatedAtMs: NOW_MS,
}));
let tokens = 0;
const usageOf = (i: number) => ({ issueId: issues[i]!.id, inputTokens: (tokens += 7), outputTokens: tokens, totalTokens: tokens * 2, runtimeMs: 0, budgetTokens: tokens * 2, budgetRuntimeMs: 0 });
const dayOf = () => ({ day: '2025-06-01', totalTokens: (tokens += 11) });
const storeCase = (name: string, write: (journal: Journal, i: number) => void): Harness.Row => {
  const result = measure({ name, n: AGENTS, warmupMs: 150, budgetMs: 500, run: () => { for (let i = 0; i < AGENTS; i++) write(journal2, i); } });
  return { name, n: AGENTS, 'µs/op': result.msPerOp * 1000, 'p50 ms': result.p50Ms, 'p99 ms': result.p99Ms };
};
printTable('journal store writes (µs per call; each call its own BEGIN IMMEDIATE … COMMIT unless noted)', [
  storeCase('empty transaction (BEGIN IMMEDIATE; COMMIT)', (j) => j.transaction(() => undefined)),
  storeCase('putClaim (running claim row)', (j, i) => j.putClaim(claimsOf[i]!)),
  storeCase('putUsage', (j, i) => j.putUsage(usageOf(i))),
  storeCase('putDay', (j) => j.putDay(dayOf())),
  storeCase('putUsage + putDay, one transaction (a token event)', (j, i) => j.transaction(() => { j.putUsage(usageOf(i)); j.putDay(dayOf()); })),
  storeCase('putUsage + putDay, two transactions', (j, i) => { j.putUsage(usageOf(i)); j.putDay(dayOf()); }),
]);
writer1.close();
journal1.close();
journal2.close();

// --- part 2: the daemon (Orchestrator shell) ---------------------------------------------------------

/** A tracker the bench never reads (the orchestrator only hands it to workers here). */
class IdleTracker implements TrackerAdapter {
  readonly kind = 'bench';
  fetchIssuesByStates(): Promise<Issue[]> {
    return Promise.reject(new Error('bench journal: unexpected tracker read'));
  }
  fetchIssuesByIds(): Promise<Issue[]> {
    return Promise.reject(new Error('bench journal: unexpected tracker read'));
  }
  agentToolSpecs(): readonly AgentToolSpec[] {
    return [];
  }
  secretEnvironmentNames(): readonly string[] {
    return [];
  }
  executeAgentTool(): Promise<ToolResult> {
    return Promise.resolve({ success: false, text: 'no tools' });
  }
}

interface Phase {
  /** CPU (user + system) of the event phase, µs per event. */
  readonly cpuUs: number;
  readonly wallMs: number;
  readonly dbBytes: number;
  readonly walBytes: number;
  readonly closedBytes: number;
}

const tracker = new IdleTracker();
const never = new Promise<unknown>(() => undefined);
const daemonEvents = Array.from({ length: DAEMON_EVENTS }, (_, j) => streamEvent(j, 0));
const fileSize = (file: string): number => { try { return statSync(file).size; } catch { return 0; } };
let roundNo = 0;

/** A small Codex-like JSON-RPC notification line for `event` (what the client parses before emitting it). */
function rpcLine(event: AgentEvent): string {
  const params = { threadId: event.threadId, turnId: event.turnId, itemId: `item_${event.turnId ?? ''}`, delta: event.message ?? '', ...(event.usage === undefined ? {} : { tokenUsage: { total: event.usage, last: event.usage } }) };
  return JSON.stringify({ jsonrpc: '2.0', method: event.method ?? 'item/agentMessage/delta', params });
}

/**
 * One daemon: dispatch 100, workspace + session for each, then {@link DAEMON_EVENTS} agent events
 * (measured). `wired`: also what the service attaches to every agent event whatever the journal —
 * the status hub subscribed to the orchestrator (status events, per-issue recent events) and the
 * worker's per-event log line (`logAgentEvent`) — and the parse of the event's JSON-RPC line
 * (a small notification, `JSON.parse` only; the client's mapping of it to an agent event is left
 * out), so the overhead is measured against the daemon's per-event work rather than the shell's
 * alone. Both figures still overstate the journal's share.
 */
async function daemonPhase(withJournal: boolean, wired = false): Promise<Phase> {
  const file = path.join(dir, 'daemon', `round-${roundNo++}`, 'journal.db');
  const logger = createLogger({ level: 'info', stdout: pino.destination({ dest: '/dev/null', sync: false }) });
  const journal = withJournal ? openJournal(file) : null;
  const writer = journal === null ? null : new JournalWriter(journal, logger.child({ component: 'journal' }));
  const reports = new Map<string, WorkerReport>();
  const orchestrator = new Orchestrator({
    workflow: { current: () => workflow, refresh: () => Promise.resolve({ ok: true }) },
    trackerFor: () => tracker,
    startWorker: (issue: Issue, _attempt: number | null, _workflow: EffectiveWorkflow, _tracker: TrackerAdapter, report: WorkerReport): WorkerHandle => {
      const issueLogger = logger.child({ issue_id: issue.id, issue_identifier: issue.identifier });
      reports.set(issue.id, wired ? { ...report, agentEvent: (event) => (logAgentEvent(issueLogger, event), report.agentEvent(event)) } : report);
      return { done: never, stop: () => undefined, answer: () => ({ ok: true }) };
    },
    removeWorkspace: () => Promise.resolve(),
    logger,
    ...(writer === null ? {} : { journal: writer }),
  });
  const hub = wired ? new StatusHub({ orchestrator, workflow: { path: '/bench/WORKFLOW.md', current: () => workflow, on: () => () => undefined }, logsRoot: null, logger }) : null;
  orchestrator.apply({ type: 'candidates_fetched', issues });
  if (reports.size !== AGENTS) throw new Error(`bench journal: the daemon started ${reports.size} of ${AGENTS} workers`);
  const byAgent = issues.map((issue) => reports.get(issue.id)!);
  byAgent.forEach((report, agent) => {
    report.workspaceReady(path.join(dir, 'workspaces', issues[agent]!.identifier));
    const threadId = agentEvent(agent, 0).threadId;
    report.agentEvent({ event: 'session_started', timestamp: new Date(), codexAppServerPid: 40_000 + agent, ...(threadId === undefined ? {} : { threadId }) });
  });
  const events = daemonEvents.map(({ agent, seq }) => {
    const event = agentEvent(agent, seq);
    return { report: byAgent[agent]!, event, line: wired ? rpcLine(event) : '' };
  });
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let parsed = 0;
  for (const { report, event, line } of events) {
    if (wired) parsed += (JSON.parse(line) as { params: object }).params === undefined ? 0 : 1;
    report.agentEvent(event);
  }
  if (wired && parsed !== events.length) throw new Error('bench journal: a JSON-RPC line did not parse');
  await new Promise((resolve) => setImmediate(resolve)); // the log lines' asynchronous writes
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Check the work: every agent's tokens in the daemon, and (with the journal) in the journal.
  const lastSeqs = issues.map((_, agent) => Math.max(...daemonEvents.filter((e) => e.agent === agent).map((e) => e.seq)));
  const want = new Map(issues.map((issue, agent) => [issue.id, tokenUpdatesUpTo(lastSeqs[agent]!) * (STEP_INPUT + STEP_OUTPUT)]));
  const lastThread = new Map(issues.map((issue, agent) => [issue.id, agentEvent(agent, lastSeqs[agent]!).threadId]));
  for (const [id, total] of want) {
    const got = orchestrator.current.running.get(id)?.codexTotalTokens;
    if (got !== total) throw new Error(`bench journal: the daemon counts ${got} tokens for ${id}, expected ${total}`);
  }
  let dbBytes = 0;
  let walBytes = 0;
  let closedBytes = 0;
  if (journal !== null && writer !== null) {
    // Token rows wait up to USAGE_FLUSH_MS in memory; a stop writes them (measured phase is over).
    const fileBytes = fileSize(file);
    const walOpenBytes = fileSize(`${file}-wal`);
    writer.close();
    const stored = journal.snapshot();
    const running = stored.claims.filter((claim) => claim.kind === 'running' && claim.threadId === lastThread.get(claim.issueId));
    if (running.length !== AGENTS || stored.runs.length !== AGENTS) throw new Error(`bench journal: ${running.length} running claims and ${stored.runs.length} runs in the journal, expected ${AGENTS} each`);
    for (const usage of stored.usage) if (usage.totalTokens !== want.get(usage.issueId)) throw new Error(`bench journal: journal usage of ${usage.issueId} is ${usage.totalTokens}, expected ${want.get(usage.issueId)}`);
    const dayTotal = [...want.values()].reduce((sum, n) => sum + n, 0);
    if (stored.usage.length !== AGENTS || stored.days.length !== 1 || stored.days[0]?.totalTokens !== dayTotal) throw new Error(`bench journal: journal days ${JSON.stringify(stored.days)}, expected one day of ${dayTotal}`);
    dbBytes = fileBytes;
    walBytes = walOpenBytes;
    journal.close();
    closedBytes = fileSize(file);
  }
  hub?.close();
  logger.flush();
  return { cpuUs: ((cpu.user + cpu.system) / DAEMON_EVENTS), wallMs, dbBytes, walBytes, closedBytes };
}

/** Runs the rounds of one wiring and prints its table and overhead line. */
async function daemonRounds(wired: boolean, title: string): Promise<{ overhead: number; last: Phase; cpuWith: number; wallWith: number }> {
  await daemonPhase(false, wired); // warm-up round, both variants, not counted
  await daemonPhase(true, wired);
  const without: Phase[] = [];
  const withJ: Phase[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      without.push(await daemonPhase(false, wired));
      withJ.push(await daemonPhase(true, wired));
    } else {
      withJ.push(await daemonPhase(true, wired));
      without.push(await daemonPhase(false, wired));
    }
  }
  const median = (values: readonly number[]): number => quantile([...values].sort((x, y) => x - y), 0.5);
  const cpuWithout = median(without.map((p) => p.cpuUs));
  const cpuWith = median(withJ.map((p) => p.cpuUs));
  const paired = withJ.map((p, i) => (p.cpuUs / without[i]!.cpuUs - 1) * 100).sort((x, y) => x - y);
  const range = (phases: readonly Phase[]): string => `${Math.min(...phases.map((p) => p.cpuUs)).toFixed(2)}–${Math.max(...phases.map((p) => p.cpuUs)).toFixed(2)}`;
  const wallWith = median(withJ.map((p) => p.wallMs));
  printTable(`${title}, ${AGENTS} running, ${DAEMON_EVENTS.toLocaleString('en-US')} agent events per phase, ${ROUNDS} rounds (alternating order), medians`, [
    { name: 'without journal', 'CPU µs/event': cpuWithout, 'CPU µs/event min–max': range(without), 'events/s (wall)': DAEMON_EVENTS / (median(without.map((p) => p.wallMs)) / 1000) },
    { name: 'with journal', 'CPU µs/event': cpuWith, 'CPU µs/event min–max': range(withJ), 'events/s (wall)': DAEMON_EVENTS / (wallWith / 1000) },
  ]);
  const overhead = (cpuWith / cpuWithout - 1) * 100;
  console.log(`journal overhead (${wired ? 'as the service wires the daemon' : 'shell only, worst case'}): ${overhead.toFixed(1)} % of daemon CPU, +${(cpuWith - cpuWithout).toFixed(2)} µs per agent event; per-round paired range ${paired[0]!.toFixed(1)} … ${paired[paired.length - 1]!.toFixed(1)} %`);
  return { overhead, last: withJ[withJ.length - 1]!, cpuWith, wallWith };
}

const shell = await daemonRounds(false, 'daemon: Orchestrator shell alone');
const service = await daemonRounds(true, 'daemon: Orchestrator + status hub + per-event log line (as the service wires it)');
console.log(`target: the journal adds ≤ 10 % to the daemon's CPU — ${service.overhead <= 10 ? 'met' : 'missed'} as the service wires it (${service.overhead.toFixed(1)} %); the shell alone, its worst case, ${shell.overhead.toFixed(1)} %`);
const last = service.last;
console.log(`daemon with journal sustains ${Math.round(1e6 / service.cpuWith).toLocaleString('en-US')} agent events/s of CPU (${Math.round(DAEMON_EVENTS / (service.wallWith / 1000)).toLocaleString('en-US')} /s wall)`);
console.log(`journal file after ${DAEMON_EVENTS.toLocaleString('en-US')} events: ${(last.dbBytes / 1024).toFixed(0)} KiB + ${(last.walBytes / 1024).toFixed(0)} KiB WAL while open; ${(last.closedBytes / 1024).toFixed(0)} KiB after close`);

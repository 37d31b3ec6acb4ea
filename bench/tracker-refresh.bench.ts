/**
 * Tracker requests per minute for the workers' post-turn re-reads (issue 7 item 3): 100 running
 * agents with 2 s turns, then with turns of 1.5–2.5 s, then one lone agent, for one simulated
 * minute each, plus reconciliation every 30 s; once with one request per re-read (before) and
 * once through `BatchedTrackerAdapter` (after). Time is virtual (a clock driven by this file), so
 * each minute takes well under a second. Prints counts; checks that every re-read got its own
 * issue, no request held more than 50 ids and (batched) at most one batch was in flight.
 *
 * Run: `npm run build && node bench/tracker-refresh.bench.ts`.
 */
import type { Clock, TimerHandle } from '../dist/domain/clock.js';
import type { Issue } from '../dist/domain/issue.js';
import { BatchedTrackerAdapter, refreshIssueOnce, watchRefreshes } from '../dist/tracker/batched.js';
import { REFRESH_GATHER_MS, REFRESH_MAX_IDS_PER_REQUEST } from '../dist/tracker/refresh-batcher.js';
import type { AgentToolSpec, ReadOptions, ToolResult, TrackerAdapter } from '../dist/tracker/tracker.js';
import type * as Harness from './lib/harness.js';
import type * as Fixtures from './lib/issues.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { printTable, printEnvironment } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;
const { makeIssues } = (await import(new URL('./lib/issues.ts', import.meta.url).href)) as typeof Fixtures;

const AGENTS = 100;
const TURN_MS = 2000;
const SIMULATED_MS = 60_000;
/** Simulated round trip of one tracker request, ms. */
const LATENCY_MS = 150;
/** Reconciliation (the poll tick) re-reads every running issue this often, ms (`polling.interval_ms` default). */
const POLL_MS = 30_000;
/** The Linear adapter sends id reads in batches of 50 (SPEC §9): one call of n ids is ⌈n/50⌉ requests. */
const LINEAR_IDS_PER_REQUEST = 50;

interface Timer {
  readonly dueMs: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** A virtual clock: {@link run} fires timers in due order and lets promise callbacks settle after each. */
class VirtualClock implements Clock {
  #nowMs = 0;
  #seq = 0;
  readonly #timers = new Map<TimerHandle, Timer>();

  now(): number {
    return this.#nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle: TimerHandle = { __timer: true };
    this.#timers.set(handle, { dueMs: this.#nowMs + Math.max(0, delayMs), seq: this.#seq++, callback });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Runs every timer due up to `endMs`, draining microtasks (the awaits they resume) after each. */
  async run(endMs: number): Promise<void> {
    for (;;) {
      let next: [TimerHandle, Timer] | null = null;
      for (const entry of this.#timers) if (next === null || entry[1].dueMs < next[1].dueMs || (entry[1].dueMs === next[1].dueMs && entry[1].seq < next[1].seq)) next = entry;
      if (next === null || next[1].dueMs > endMs) break;
      this.#timers.delete(next[0]);
      this.#nowMs = next[1].dueMs;
      next[1].callback();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#nowMs = endMs;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
}

/**
 * A fixed set of issues standing in for "Linear" that counts what reaches it: calls, requests
 * (⌈ids/50⌉ each), ids, calls in flight. By-id reads answer after {@link LATENCY_MS} of virtual time
 * with the known issues among `ids`; the bench makes no other call.
 */
class CountingTracker implements TrackerAdapter {
  readonly kind = 'bench';
  requests = 0;
  ids = 0;
  maxIdsPerCall = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly #clock: VirtualClock;
  readonly #issues: ReadonlyMap<string, Issue>;

  constructor(clock: VirtualClock, issues: readonly Issue[]) {
    this.#clock = clock;
    this.#issues = new Map(issues.map((issue) => [issue.id, issue]));
  }

  async fetchIssuesByIds(ids: readonly string[], _options?: ReadOptions): Promise<Issue[]> {
    this.requests += Math.ceil(ids.length / LINEAR_IDS_PER_REQUEST);
    this.ids += ids.length;
    this.maxIdsPerCall = Math.max(this.maxIdsPerCall, ids.length);
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      await this.#clock.sleep(LATENCY_MS);
      return [...new Set(ids)].flatMap((id) => this.#issues.get(id) ?? []);
    } finally {
      this.inFlight -= 1;
    }
  }

  fetchIssuesByStates(_stateNames: readonly string[], _options?: ReadOptions): Promise<Issue[]> {
    return Promise.reject(new Error('bench tracker-refresh: unexpected state read'));
  }

  agentToolSpecs(): readonly AgentToolSpec[] {
    return [];
  }

  secretEnvironmentNames(): readonly string[] {
    return [];
  }

  executeAgentTool(name: string): Promise<ToolResult> {
    return Promise.resolve({ success: false, text: `unsupported tool ${JSON.stringify(name)}` });
  }
}

interface Outcome {
  readonly tracker: CountingTracker;
  readonly refreshes: number;
  readonly waitsMs: number[];
}

/** Deterministic turn lengths in [TURN_MS − spread, TURN_MS + spread] ms (a linear congruential sequence). */
function turnLengths(spreadMs: number): () => number {
  let seed = 12_345;
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return TURN_MS - spreadMs + Math.floor((seed / 2_147_483_648) * (2 * spreadMs + 1));
  };
}

/** 100 agents: staggered starts, then turn → re-read → turn …; reconciliation every {@link POLL_MS}. */
async function simulate(batched: boolean, spreadMs: number, agents = AGENTS): Promise<Outcome> {
  const nextTurnMs = turnLengths(spreadMs);
  const clock = new VirtualClock();
  const issues = makeIssues(agents).map((issue) => ({ ...issue, state: 'In Progress' }));
  const tracker = new CountingTracker(clock, issues);
  const adapter: TrackerAdapter = batched ? new BatchedTrackerAdapter(tracker, { clock }) : tracker;
  const waitsMs: number[] = [];
  let refreshes = 0;
  const agent = async (issue: Issue, index: number): Promise<void> => {
    watchRefreshes(adapter, issue.id); // as the worker factory does for a run's lifetime
    await clock.sleep(Math.floor((index * TURN_MS) / agents));
    for (;;) {
      await clock.sleep(nextTurnMs());
      const askedMs = clock.now();
      const fresh = await refreshIssueOnce(adapter, issue.id);
      if (fresh?.id !== issue.id) throw new Error(`bench tracker-refresh: ${issue.identifier} re-read returned ${fresh?.identifier ?? 'nothing'}`);
      waitsMs.push(clock.now() - askedMs);
      refreshes += 1;
    }
  };
  const reconcile = async (): Promise<void> => {
    for (;;) {
      await clock.sleep(POLL_MS);
      const found = await adapter.fetchIssuesByIds(issues.map((issue) => issue.id));
      if (found.length !== agents) throw new Error(`bench tracker-refresh: reconciliation found ${found.length} of ${agents}`);
    }
  };
  const loops = [...issues.map(agent), reconcile()];
  // The loops never end; a failed check rejects one of them.
  const failures: unknown[] = [];
  for (const loop of loops) loop.catch((error: unknown) => failures.push(error));
  await clock.run(SIMULATED_MS);
  if (failures.length > 0) throw new Error(`bench tracker-refresh: ${failures.length} loops failed`, { cause: failures[0] });
  if (tracker.maxIdsPerCall > REFRESH_MAX_IDS_PER_REQUEST && batched) throw new Error(`bench tracker-refresh: a batched request held ${tracker.maxIdsPerCall} ids`);
  if (batched && tracker.maxInFlight > 1) throw new Error(`bench tracker-refresh: ${tracker.maxInFlight} batches in flight at once`);
  return { tracker, refreshes, waitsMs };
}

function row(name: string, outcome: Outcome, before: Outcome | null): Harness.Row {
  const minutes = SIMULATED_MS / 60_000;
  const sorted = [...outcome.waitsMs].sort((a, b) => a - b);
  const perMin = outcome.tracker.requests / minutes;
  return {
    name,
    're-reads/min': outcome.refreshes / minutes,
    'requests/min': perMin,
    'ids/request': outcome.tracker.ids / outcome.tracker.requests,
    'max in flight': outcome.tracker.maxInFlight,
    'p50 wait ms (sim)': sorted[Math.floor(sorted.length / 2)] ?? 0,
    'max wait ms (sim)': sorted[sorted.length - 1] ?? 0,
    'vs before': before === null ? '1' : `1/${(before.tracker.requests / outcome.tracker.requests).toFixed(1)}`,
  };
}

printEnvironment('tracker-refresh.bench.ts');
const SPREAD_MS = 500;
const before = await simulate(false, 0);
const after = await simulate(true, 0);
const beforeSpread = await simulate(false, SPREAD_MS);
const afterSpread = await simulate(true, SPREAD_MS);
const beforeLone = await simulate(false, 0, 1);
const afterLone = await simulate(true, 0, 1);
const batchedName = `after: batched (gather ${REFRESH_GATHER_MS} ms, ≤ ${REFRESH_MAX_IDS_PER_REQUEST} ids)`;
printTable(
  `tracker requests, ${AGENTS} agents (1 in the last two rows), ${SIMULATED_MS / 1000} s simulated, ${LATENCY_MS} ms per request, reconciliation every ${POLL_MS / 1000} s`,
  [
    row(`before: one request per re-read, ${TURN_MS} ms turns`, before, null),
    row(`${batchedName}, ${TURN_MS} ms turns`, after, before),
    row(`before, turns ${TURN_MS - SPREAD_MS}–${TURN_MS + SPREAD_MS} ms`, beforeSpread, null),
    row(`${batchedName}, turns ${TURN_MS - SPREAD_MS}–${TURN_MS + SPREAD_MS} ms`, afterSpread, beforeSpread),
    row(`before, 1 agent, ${TURN_MS} ms turns`, beforeLone, null),
    row(`${batchedName}, 1 agent`, afterLone, beforeLone),
  ],
);
for (const [name, b, a] of [[`${TURN_MS} ms turns`, before, after], ['varied turns', beforeSpread, afterSpread]] as const) {
  const ratio = a.tracker.requests / b.tracker.requests;
  console.log(`${name}: batched requests are ${(ratio * 100).toFixed(1)} % of before (target ≤ 10 %: ${ratio <= 0.1 ? 'met' : 'missed'})`);
}

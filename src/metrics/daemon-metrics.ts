/**
 * The daemon's Prometheus metrics (issue 3 item 5), served as `GET /metrics` in the Prometheus text
 * exposition format through `prom-client`, with one private {@link Registry} per daemon.
 *
 * Metric names are a public interface. With the default prefix `symphony_`:
 *
 * | Name | Type | Labels | Meaning |
 * |---|---|---|---|
 * | `symphony_running_agents` | gauge | | Running sessions (including those waiting for an operator), read at scrape time. |
 * | `symphony_retrying_agents` | gauge | | Issues in the retry queue, read at scrape time. |
 * | `symphony_waiting_agents` | gauge | | Running sessions waiting for an operator's answer, read at scrape time. |
 * | `symphony_blocked_agents` | gauge | | Blocked issues (nobody answered, a budget spent, no progress), kept claimed, read at scrape time. |
 * | `symphony_blocked_issues` | gauge | `cause`: `operator`, `budget_exceeded`, `no_progress` | The same blocked issues by cause (issue 9), read at scrape time. |
 * | `symphony_tokens_today` | gauge | | Tokens used today (UTC) by all issues, what `agent.max_tokens_per_day` counts; read at scrape time. |
 * | `symphony_max_concurrent_agents` | gauge | | `agent.max_concurrent_agents` now, read at scrape time. |
 * | `symphony_dispatches_total` | counter | `runtime`: `codex`, …, `unknown` | Dispatches (`dispatch` status events). |
 * | `symphony_retries_total` | counter | `cause`: `continuation`, `stalled`, `worker_failed`, `no_slots`, `refresh_failed`, `restart`, `unknown` | Retries scheduled (`retry_scheduled` events). |
 * | `symphony_runs_total` | counter | `outcome`: `completed`, `failed`, `stopped`, `blocked`, `unknown`; `runtime` | Runs ended (`run_ended` events). |
 * | `symphony_tokens_total` | counter | `direction`: `input`, `output` | Codex tokens since the daemon started (from `codex_totals` at scrape time; never decreases). |
 * | `symphony_tracker_request_duration_seconds` | histogram | `operation`: GraphQL operation name or `unknown` | Duration of each HTTP request to the tracker, failed ones included. |
 * | `symphony_tracker_errors_total` | counter | `category`: spec §11.4 code (`tracker_request`, `tracker_status`, `tracker_response`, `tracker_rate_limited`…) or `unknown` | Tracker requests that failed, by category. |
 * | `symphony_poll_tick_duration_seconds` | histogram | | Duration of each poll tick (reconcile, fetch, dispatch). |
 * | `symphony_workflow_reloads_total` | counter | `outcome`: `reloaded`, `rejected` | Workflow reloads (`config_reloaded` / `config_rejected` events). |
 * | `symphony_snapshot_read_failures_total` | counter | | Scrapes whose state snapshot could not be read (the gauges kept their previous values). |
 *
 * Labelled counters start at 0 for every known label value, so each series exists from the first
 * scrape. The `operation` label keeps at most `MAX_OPERATION_LABELS` (32) distinct names (see `labels.ts`).
 *
 * Unless `defaultMetrics: false`, prom-client's default process metrics are included under their
 * standard, unprefixed names (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
 * `nodejs_eventloop_lag_seconds`, `nodejs_heap_size_used_bytes`…), so stock Node.js dashboards and
 * alerts work unchanged.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { oneLine } from '../errors.js';
import { RUNTIME_KINDS } from '../runner/kinds.js';
import { BLOCK_CAUSES } from '../scheduler/state.js';
import type { StatusEvent, StatusSnapshot } from '../status/types.js';
import {
  RELOAD_OUTCOMES,
  RETRY_CAUSES,
  RUN_OUTCOMES,
  TOKEN_DIRECTIONS,
  TRACKER_REQUEST_ERRORS,
  oneOf,
  operationLabel,
  trackerCategory,
} from './labels.js';
import type { TrackerRequestObserver } from './tracker-observer.js';

/** Options of {@link DaemonMetrics}. */
export interface DaemonMetricsOptions {
  /** Prefix of every Symphony metric name. Default `symphony_`. */
  readonly prefix?: string;
  /** Include prom-client's default process metrics (unprefixed). Default true. */
  readonly defaultMetrics?: boolean;
}

/** One rendered scrape. */
export interface MetricsScrape {
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  readonly body: string;
}

/** Bucket bounds (seconds) of tracker request durations; the request timeout defaults to 30 s. */
const TRACKER_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Bucket bounds (seconds) of poll tick durations. */
const POLL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Metrics of one daemon. Feed it status events ({@link observe}), poll tick durations
 * ({@link pollTick}) and tracker requests ({@link tracker}); bind the state snapshot
 * ({@link bindSnapshot}) for the gauges and token counters; {@link render} a scrape. No method throws
 * after construction.
 */
export class DaemonMetrics {
  readonly #registry = new Registry();
  readonly #gauges: { readonly [K in 'running' | 'retrying' | 'waiting' | 'blocked' | 'max']: Gauge };
  readonly #dispatches: Counter<'runtime'>;
  readonly #retries: Counter<'cause'>;
  readonly #runs: Counter<'outcome' | 'runtime'>;
  readonly #tokens: Counter<'direction'>;
  readonly #trackerDuration: Histogram<'operation'>;
  readonly #trackerErrors: Counter<'category'>;
  readonly #pollTick: Histogram;
  readonly #reloads: Counter<'outcome'>;
  readonly #snapshotFailures: Counter;
  readonly #blockedByCause: Gauge<'cause'>;
  readonly #tokensToday: Gauge;
  /** Token totals already added to {@link #tokens}, by direction. */
  readonly #tokensReported = { input: 0, output: 0 };
  readonly #operations = new Set<string>();
  #read: (() => StatusSnapshot) | null = null;

  /** Reports tracker HTTP requests into the tracker metrics; pass it to the tracker adapters. */
  readonly tracker: TrackerRequestObserver;

  /** @throws Error from prom-client when `prefix` makes an invalid metric name. */
  constructor(options: DaemonMetricsOptions = {}) {
    const p = options.prefix ?? 'symphony_';
    const registers = [this.#registry];
    const gauge = (name: string, help: string): Gauge => new Gauge({ name: p + name, help, registers });
    this.#gauges = {
      running: gauge('running_agents', 'Running agent sessions, including those waiting for an operator.'),
      retrying: gauge('retrying_agents', 'Issues in the retry queue.'),
      waiting: gauge('waiting_agents', 'Running agent sessions waiting for an operator answer.'),
      blocked: gauge('blocked_agents', 'Blocked issues (no operator answer, budget spent, no progress), kept claimed.'),
      max: gauge('max_concurrent_agents', 'Configured agent.max_concurrent_agents.'),
    };
    this.#dispatches = new Counter({ name: `${p}dispatches_total`, help: 'Issues dispatched to an agent, by runtime.', labelNames: ['runtime'], registers });
    this.#retries = new Counter({ name: `${p}retries_total`, help: 'Retries scheduled, by cause.', labelNames: ['cause'], registers });
    this.#runs = new Counter({ name: `${p}runs_total`, help: 'Agent runs ended, by outcome and runtime.', labelNames: ['outcome', 'runtime'], registers });
    this.#tokens = new Counter({ name: `${p}tokens_total`, help: 'Agent tokens used since the daemon started, by direction.', labelNames: ['direction'], registers });
    this.#trackerDuration = new Histogram({
      name: `${p}tracker_request_duration_seconds`,
      help: 'Duration of tracker HTTP requests, by GraphQL operation.',
      labelNames: ['operation'],
      buckets: TRACKER_BUCKETS,
      registers,
    });
    this.#trackerErrors = new Counter({ name: `${p}tracker_errors_total`, help: 'Failed tracker requests, by spec error category.', labelNames: ['category'], registers });
    this.#pollTick = new Histogram({ name: `${p}poll_tick_duration_seconds`, help: 'Duration of poll ticks.', buckets: POLL_BUCKETS, registers });
    this.#reloads = new Counter({ name: `${p}workflow_reloads_total`, help: 'Workflow reloads, by outcome.', labelNames: ['outcome'], registers });
    this.#snapshotFailures = new Counter({ name: `${p}snapshot_read_failures_total`, help: 'Scrapes whose state snapshot could not be read.', registers });
    this.#blockedByCause = new Gauge({ name: `${p}blocked_issues`, help: 'Blocked issues, by cause.', labelNames: ['cause'], registers });
    this.#tokensToday = gauge('tokens_today', 'Tokens used today (UTC) by all issues (agent.max_tokens_per_day counts them).');
    for (const cause of BLOCK_CAUSES) this.#blockedByCause.set({ cause }, 0);
    for (const cause of RETRY_CAUSES) this.#retries.inc({ cause }, 0);
    for (const runtime of RUNTIME_KINDS) {
      this.#dispatches.inc({ runtime }, 0);
      for (const outcome of RUN_OUTCOMES) this.#runs.inc({ outcome, runtime }, 0);
    }
    for (const direction of TOKEN_DIRECTIONS) this.#tokens.inc({ direction }, 0);
    for (const category of TRACKER_REQUEST_ERRORS) this.#trackerErrors.inc({ category }, 0);
    for (const outcome of RELOAD_OUTCOMES) this.#reloads.inc({ outcome }, 0);
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.#registry });
    this.tracker = { request: (operation, durationMs, errorCategory) => this.#trackerRequest(operation, durationMs, errorCategory) };
  }

  /**
   * Counts one status event: `dispatch` → dispatches, `retry_scheduled` → retries by `data.cause`,
   * `run_ended` → runs by `data.outcome`, `config_reloaded` / `config_rejected` → reloads (through
   * {@link reload}). Other types are ignored. Never throws.
   */
  observe(event: StatusEvent): void {
    try {
      switch (event.type) {
        case 'dispatch':
          this.#dispatches.inc({ runtime: oneOf((event.data as Record<string, unknown> | null)?.runtime, RUNTIME_KINDS) });
          return;
        case 'retry_scheduled':
          // A retry brought forward by a reload is the same retry, not a new one.
          if (event.data.rearmed !== true) this.#retries.inc({ cause: oneOf(event.data.cause, RETRY_CAUSES) });
          return;
        case 'run_ended':
          this.#runs.inc({ outcome: oneOf(event.data.outcome, RUN_OUTCOMES), runtime: oneOf(event.data.runtime, RUNTIME_KINDS) });
          return;
        case 'config_reloaded':
          this.reload('reloaded');
          return;
        case 'config_rejected':
          this.reload('rejected');
          return;
        default:
          return;
      }
    } catch {
      // A listener must not throw (StatusSource.subscribe); a metric lost is better than a broken hub.
    }
  }

  /**
   * Counts one workflow reload. {@link observe} calls it for `config_reloaded` / `config_rejected`
   * events; call it directly only when those events are not fed to {@link observe} (else each
   * reload counts twice).
   */
  reload(outcome: 'reloaded' | 'rejected'): void {
    this.#reloads.inc({ outcome: oneOf(outcome, RELOAD_OUTCOMES) });
  }

  /** Records one poll tick's duration in ms (negative or non-finite values are ignored). */
  pollTick(durationMs: number): void {
    if (Number.isFinite(durationMs) && durationMs >= 0) this.#pollTick.observe(durationMs / 1000);
  }

  /**
   * Sets the snapshot read at each scrape for the agent gauges, `max_concurrent_agents` and the
   * token counters. A read that throws leaves them as they were and counts a snapshot read failure.
   */
  bindSnapshot(read: () => StatusSnapshot): void {
    this.#read = read;
  }

  /**
   * Renders every metric in the Prometheus text exposition format (version 0.0.4). Never rejects: a
   * failing snapshot read keeps the previous gauge values, and a failing collection renders as a
   * comment line.
   */
  async render(): Promise<MetricsScrape> {
    this.#refreshFromSnapshot();
    let body: string;
    try {
      body = await this.#registry.metrics();
    } catch (error) {
      body = `# metrics collection failed: ${oneLine(error instanceof Error ? error.message : String(error), 200)}\n`;
    }
    return { contentType: this.#registry.contentType, body };
  }

  #refreshFromSnapshot(): void {
    if (this.#read === null) return;
    let snapshot: StatusSnapshot;
    try {
      snapshot = this.#read();
      const { counts, codex_totals: totals } = snapshot;
      const values = [counts.running, counts.retrying, counts.waiting, counts.blocked, snapshot.max_concurrent_agents, totals.input_tokens, totals.output_tokens];
      if (!values.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new Error('snapshot counts are not numbers');
    } catch {
      this.#snapshotFailures.inc();
      return;
    }
    this.#gauges.running.set(snapshot.counts.running);
    this.#gauges.retrying.set(snapshot.counts.retrying);
    this.#gauges.waiting.set(snapshot.counts.waiting);
    this.#gauges.blocked.set(snapshot.counts.blocked);
    this.#gauges.max.set(snapshot.max_concurrent_agents);
    const byCause = new Map<string, number>(BLOCK_CAUSES.map((cause) => [cause, 0]));
    // A partial snapshot (an older status source) has no rows: every cause reads 0.
    const blockedRows: StatusSnapshot['blocked'] = Array.isArray(snapshot.blocked) ? snapshot.blocked : [];
    for (const row of blockedRows) byCause.set(row.cause, (byCause.get(row.cause) ?? 0) + 1);
    for (const [cause, count] of byCause) this.#blockedByCause.set({ cause }, count);
    this.#tokensToday.set(snapshot.tokens_today?.total_tokens ?? 0);
    this.#addTokens('input', snapshot.codex_totals.input_tokens);
    this.#addTokens('output', snapshot.codex_totals.output_tokens);
  }

  /** Adds the growth of a running total; a total that went down adds nothing (counters never decrease). */
  #addTokens(direction: 'input' | 'output', total: number): void {
    const delta = total - this.#tokensReported[direction];
    if (delta <= 0) return;
    this.#tokens.inc({ direction }, delta);
    this.#tokensReported[direction] = total;
  }

  #trackerRequest(operation: string, durationMs: number, errorCategory: string | null): void {
    try {
      const label = operationLabel(typeof operation === 'string' ? operation : '', this.#operations);
      if (Number.isFinite(durationMs) && durationMs >= 0) this.#trackerDuration.observe({ operation: label }, durationMs / 1000);
      if (errorCategory !== null) this.#trackerErrors.inc({ category: trackerCategory(errorCategory) });
    } catch {
      // Observers must not throw into the tracker.
    }
  }
}

/**
 * Run history in the HTTP API (issue 9 item 4; spec §18): `GET /api/v1/runs`, the `runs` of
 * `GET /api/v1/<issue_identifier>`, and `revisions` / `workflow_revision` in the state (API,
 * event-stream snapshot and the dashboard's first paint). Reads a {@link RunHistorySource}; the
 * query parsing is pure.
 */
import type { FastifyInstance } from 'fastify';
import { oneLine } from '../errors.js';
import { revisionRow, runRow, summarizeRevisions, type RevisionRow, type RunHistorySource, type RunRow } from '../journal/history.js';
import type { Logger } from '../logging/logger.js';
import type { IssueDetail, SessionLogLink, StatusSnapshot } from '../status/types.js';
import { sendError } from './http-errors.js';
import { definePath } from './router.js';

/** Default window of `GET /api/v1/runs` without `since`: the last 24 h, ms. */
export const RUNS_DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Default `limit` of `GET /api/v1/runs`. */
export const RUNS_DEFAULT_LIMIT = 100;
/** Largest `limit` of `GET /api/v1/runs` (larger → 400 `invalid_query`). */
export const RUNS_MAX_LIMIT = 1000;
/** Runs of one issue in `GET /api/v1/<issue_identifier>` `runs[]`. */
export const ISSUE_RUNS_LIMIT = 50;
/** Window of the state's `revisions[]`: runs started in the last 7 days, ms. */
export const REVISIONS_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;
/** At most this many revisions in the state's `revisions[]`, newest first. */
export const REVISIONS_LIMIT = 10;
/** At most this many runs (the newest of the window) are read for `revisions[]`. */
export const REVISIONS_RUN_LIMIT = 5000;

/** A parsed query parameter, or why it is not acceptable (one line naming the parameter and value). */
export type ParamResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i;

/**
 * `since` of `GET /api/v1/runs` as epoch ms: absent → `nowMs − 24 h`; digits only → epoch ms; an
 * ISO 8601 date (`2026-01-02`, UTC midnight) or date-time with `Z` or an offset
 * (`2026-01-02T03:04:05Z`, `…+02:00`). Anything else (a time without offset, a repeated
 * parameter, an impossible date) is refused. Pure.
 */
export function parseSince(raw: unknown, nowMs: number): ParamResult {
  if (raw === undefined) return { ok: true, value: nowMs - RUNS_DEFAULT_WINDOW_MS };
  if (typeof raw !== 'string') return { ok: false, message: 'query parameter since is given more than once' };
  const value = /^\d{1,16}$/.test(raw) ? Number(raw) : ISO_TIME.test(raw) && isCalendarDate(raw) ? Date.parse(raw) : NaN;
  if (!Number.isSafeInteger(value) || value > MAX_DATE_MS) {
    return { ok: false, message: `query parameter since=${JSON.stringify(oneLine(raw, 60))} is not an ISO 8601 time with Z or an offset (2026-01-02T03:04:05Z), a date (2026-01-02) or epoch milliseconds` };
  }
  return { ok: true, value };
}

/** The largest epoch ms a `Date` holds (ECMAScript: 8.64e15). */
const MAX_DATE_MS = 8.64e15;

/** Whether the `YYYY-MM-DD` that `text` starts with is a real day (`Date.parse` rolls 02-31 over). */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `limit` of `GET /api/v1/runs`: absent → {@link RUNS_DEFAULT_LIMIT}; else an integer 1…{@link RUNS_MAX_LIMIT}. Pure. */
export function parseLimit(raw: unknown): ParamResult {
  if (raw === undefined) return { ok: true, value: RUNS_DEFAULT_LIMIT };
  if (typeof raw !== 'string') return { ok: false, message: 'query parameter limit is given more than once' };
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= RUNS_MAX_LIMIT)) {
    return { ok: false, message: `query parameter limit=${JSON.stringify(oneLine(raw, 60))} must be an integer from 1 to ${RUNS_MAX_LIMIT}` };
  }
  return { ok: true, value };
}

/** `GET /api/v1/state` (and the dashboard's data) with the history fields. */
export type StateWithHistory = StatusSnapshot & {
  /** Per workflow revision over the last 7 days, newest first, at most 10 (with a history source). */
  readonly revisions?: readonly RevisionRow[];
  /** The revision new runs start with (when the source knows it). */
  readonly workflow_revision?: string | null;
};

/** `GET /api/v1/<issue_identifier>` with the issue's journal runs, newest first, at most 50. */
export type IssueWithHistory = IssueDetail & { readonly runs?: readonly RunRow[] };

/** Adds history to the state and issue documents; without a source both are returned unchanged. */
export interface HistoryView {
  /** The journal, or undefined when the daemon keeps none (then `/api/v1/runs` answers 404). */
  readonly source: RunHistorySource | undefined;
  /** `snapshot` plus `revisions` and `workflow_revision`; a throwing source is logged and leaves them out. */
  state(snapshot: StatusSnapshot): StateWithHistory;
  /** `detail` plus `runs` (by its `issue_id`); a throwing source is logged and leaves them out. */
  issue(detail: IssueDetail): IssueWithHistory;
  /**
   * The document of an issue the daemon does not hold now but the journal has runs of (status
   * `idle`, no live rows, its `runs`, `last_error` from its last failed run); null when the journal
   * has none (or cannot be read, logged).
   */
  pastIssue(identifier: string, logsOf?: (identifier: string) => readonly SessionLogLink[]): IssueWithHistory | null;
}

/** Builds the {@link HistoryView} over `source`; `now` gives epoch ms (the 7-day window). */
export function historyView(source: RunHistorySource | undefined, logger: Logger, now: () => number): HistoryView {
  const guarded = <T>(what: string, read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      logger.warn({ reason: oneLine(error instanceof Error ? error.message : String(error)) }, `run history unavailable for ${what}`);
      return undefined;
    }
  };
  return {
    source,
    state: (snapshot) => {
      if (source === undefined) return snapshot;
      const revisions = guarded('the state', () =>
        summarizeRevisions(source.runsSince(now() - REVISIONS_WINDOW_MS, REVISIONS_RUN_LIMIT), { limit: REVISIONS_LIMIT }).map(revisionRow),
      );
      const current = guarded('the state', () => source.currentRevision?.());
      return {
        ...snapshot,
        ...(revisions === undefined ? {} : { revisions }),
        ...(current === undefined ? {} : { workflow_revision: current }),
      };
    },
    issue: (detail) => {
      if (source === undefined) return detail;
      const runs = guarded(`issue ${detail.issue_identifier}`, () => source.runsOf(detail.issue_id, ISSUE_RUNS_LIMIT).map(runRow));
      return runs === undefined ? detail : { ...detail, runs };
    },
    pastIssue: (identifier, logsOf) => {
      if (source?.runsOfIdentifier === undefined) return null;
      const stored = guarded(`issue ${identifier}`, () => source.runsOfIdentifier?.(identifier, ISSUE_RUNS_LIMIT));
      const last = stored?.[0];
      if (stored === undefined || last === undefined) return null;
      const failed = stored.find((run) => run.outcome === 'failed' || run.outcome === 'blocked');
      return {
        issue_identifier: last.identifier,
        issue_id: last.issueId,
        issue_url: null,
        status: 'idle',
        workspace: null,
        attempts: { restart_count: 0, current_retry_attempt: null },
        running: null,
        retry: null,
        waiting: null,
        blocked: null,
        logs: { codex_session_logs: logsOf === undefined ? [] : [...logsOf(last.identifier)] },
        recent_events: [],
        last_error: failed?.reason ?? null,
        tracked: {},
        runs: stored.map(runRow),
      };
    },
  };
}

/**
 * Registers `GET /api/v1/runs?since=&limit=` → `{since, limit, runs}` (runs started at or after
 * `since`, newest first). Bad parameters → 400 `invalid_query`; no history source → 404
 * `not_found` (the daemon keeps no run journal); a throwing source → 500 `internal`.
 */
export function registerHistoryRoutes(app: FastifyInstance, view: HistoryView, now: () => number): void {
  definePath(app, '/api/v1/runs', {
    GET: async (request, reply) => {
      const { source } = view;
      if (source === undefined) return sendError(reply, 'not_found', 'run history is not available: this daemon keeps no run journal');
      const query = (request.query ?? {}) as Record<string, unknown>;
      const since = parseSince(query.since, now());
      if (!since.ok) return sendError(reply, 'invalid_query', since.message);
      const limit = parseLimit(query.limit);
      if (!limit.ok) return sendError(reply, 'invalid_query', limit.message);
      const runs = source.runsSince(since.value, limit.value).map(runRow);
      return reply.header('cache-control', 'no-store').send({ since: new Date(since.value).toISOString(), limit: limit.value, runs });
    },
  });
}

/**
 * The running daemon (spec §16.1): logging, the hot-reloading workflow store, the orchestrator,
 * startup validation, startup cleanup and the first tick. Shut down with {@link RunningService.stop}.
 */
import path from 'node:path';
import { WorkflowStore } from '../config/store.js';
import { SHUTDOWN_DEADLINE_MS } from '../domain/shutdown.js';
import type { Logger } from '../logging/logger.js';
import { checkPromptTemplate } from '../prompt/check.js';
import { Orchestrator } from '../scheduler/orchestrator.js';
import type { Clock } from '../domain/clock.js';
import type { TrackerProfile } from '../tracker/profile.js';
import { trackerProfiles } from '../tracker/registry.js';
import { removeWorkspace, workspaceLocation } from '../workspace/manager.js';
import { batchedTrackerFor } from '../tracker/batched.js';
import { trackerCache } from './tracker-cache.js';
import { packageVersion } from '../version.js';
import { createWorkerStarter } from './worker-factory.js';
import { toSymphonyError } from '../errors.js';
import { StatusHub } from '../status/hub.js';
import type { DaemonMetrics } from '../metrics/index.js';
import type { HttpServer } from '../server/server.js';
import { setUpJournal, type JournalSetup } from './journal-setup.js';
import { gitProgressDigest } from '../workspace/git-summary.js';
import { systemClock } from '../domain/clock.js';

/** Options of {@link startService}. */
export interface ServiceOptions {
  /** Absolute path of WORKFLOW.md. */
  readonly workflowPath: string;
  readonly logger: Logger;
  /** Environment for `$VAR` resolution, hooks and agents. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Supported tracker kinds. Default: the built-in registry. */
  readonly profiles?: ReadonlyMap<string, TrackerProfile>;
  /**
   * Time of the orchestrator (ticks, retries, deadlines), the by-id refresh batcher and the
   * workflow store's reload debounce. Default: the system clock.
   */
  readonly clock?: Clock;
  /** `--logs-root`: session logs go to `<logsRoot>/sessions`. Null/absent: no session logs. */
  readonly logsRoot?: string | null;
  /**
   * `--port`: overrides `server.port` (spec §13.7). The HTTP server runs when either is set; it is
   * then also the operator channel (agent requests wait for an answer instead of being declined).
   */
  readonly port?: number | null;
  /**
   * `--logs-root` exactly as given (null when not given): the run journal defaults to
   * `<it>/journal.db` when `journal.path` is unset (else `<workflow dir>/.symphony/journal.db`).
   */
  readonly journalLogsRoot?: string | null;
  /** `--journal FILE` (absolute): the run journal's file, over `journal.path`. Null/absent: not given. */
  readonly journalPath?: string | null;
  /** `--reset-journal`: a corrupt journal is moved aside and a new one started instead of failing. */
  readonly resetJournal?: boolean;
}

/** A started daemon. */
export interface RunningService {
  readonly orchestrator: Orchestrator;
  readonly store: WorkflowStore;
  /** What status surfaces read (API, dashboard, metrics, terminal view). */
  readonly status: StatusHub;
  /**
   * Prometheus metrics of this daemon (`GET /metrics`), or null when the HTTP server is off:
   * nothing else reads them, so prom-client is then never loaded.
   */
  readonly metrics: DaemonMetrics | null;
  /** The HTTP server (dashboard, API, metrics), or null when not enabled. */
  readonly server: HttpServer | null;
  /**
   * Graceful stop: no more polling, every agent stopped (whole process group), `after_run` hooks
   * run, the watcher closed. Resolves true when everything ended within `deadlineMs` (default `SHUTDOWN_DEADLINE_MS`, 8000).
   */
  stop(deadlineMs?: number): Promise<boolean>;
}

/**
 * Starts the daemon.
 *
 * @throws SymphonyError when the workflow cannot be loaded or fails validation (startup validation,
 * spec §6.3: the config, then the prompt template rendered against a sample issue —
 * `template_parse_error` / `template_render_error` naming the `WORKFLOW.md` line); nothing is
 * left running in that case.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { logger } = options;
  const env = options.env ?? process.env;
  const profiles = options.profiles ?? trackerProfiles;
  const store = await WorkflowStore.open(options.workflowPath, {
    env,
    profiles,
    logger: logger.child({ component: 'workflow' }),
    // A template that does not parse or render against a sample issue fails startup and rejects a reload.
    validatePrompt: checkPromptTemplate,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const port = options.port ?? store.current().config.server.port;
  // Only `GET /metrics` reads the metrics: without the HTTP server there are none (nor prom-client).
  const metrics = port === null ? null : new (await import('../metrics/index.js')).DaemonMetrics();
  // By-id reads of each adapter instance are coalesced: reconciliation, retries and every worker's
  // post-turn re-read share one batched request per gather window (issue 7 item 3).
  const trackerFor = batchedTrackerFor(trackerCache(profiles, logger, metrics?.tracker), options.clock ? { clock: options.clock } : {});
  let journal: JournalSetup | null;
  try {
    trackerFor(store.current().config);
    // The run journal (issue 9): a corrupt or locked file stops startup with one line.
    journal = setUpJournal(store.current().config, {
      logsRoot: options.journalLogsRoot ?? null,
      journalPath: options.journalPath ?? null,
      reset: options.resetJournal === true,
      logger,
      nowMs: (options.clock ?? systemClock).now(),
    });
  } catch (error) {
    await store.close();
    throw toSymphonyError(error);
  }
  store.on('reloaded', ({ workflow, previous }) => {
    const before = previous.config.journal;
    const after = workflow.config.journal;
    if (before.enabled !== after.enabled || before.path !== after.path) {
      logger.warn({ outcome: 'deferred' }, 'journal.* changed: the run journal in use stays as it is until the daemon restarts');
    }
  });
  const orchestrator = new Orchestrator({
    workflow: store,
    trackerFor,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(journal === null ? {} : { journal: journal.writer, recovered: journal.recovered }),
    progressDigest: (workspacePath) => gitProgressDigest(workspacePath, env),
    startWorker: createWorkerStarter({
      logger,
      env,
      currentWorkflow: () => store.current(),
      clientVersion: packageVersion(),
      // The HTTP server is the operator channel: with it, approvals and questions wait for a person.
      operatorChannel: port !== null,
      logsRoot: options.logsRoot ?? null,
      ...(options.clock ? { clock: options.clock } : {}),
    }),
    removeWorkspace: async (config, issue, workspacePath) => {
      const target = workspacePath ?? workspaceLocation(config.workspaceRoot, issue.identifier).path;
      try {
        // The workspace manager names the issue (issue_id, issue_identifier) on each of its lines.
        await removeWorkspace(
          { path: target, identifier: issue.identifier, id: issue.id },
          // A recorded path is <root at dispatch>/<key>: contain it in that root, not one a later reload chose.
          { root: workspacePath === null ? config.workspaceRoot : path.dirname(workspacePath), hooks: config.hooks, logger, secretEnvNames: config.secretEnvNames, env },
        );
      } catch (error) {
        const reason = toSymphonyError(error).toLine();
        logger.error({ issue_id: issue.id, issue_identifier: issue.identifier, workspace: target, reason, outcome: 'failed' }, 'workspace removal failed');
      }
    },
  });
  store.on('reloaded', ({ changedSections }) => {
    // Retries waiting out a backoff for an error the reload may fix come due soon; then an
    // immediate tick re-arms the poll timer with the new interval and applies new limits/states.
    orchestrator.workflowReloaded(changedSections);
  });
  const config = store.current().config;
  logger.info(
    {
      workflow: config.workflowPath,
      tracker_kind: config.tracker.kind,
      workspace_root: config.workspaceRoot,
      poll_interval_ms: config.pollIntervalMs,
      max_concurrent_agents: config.agent.maxConcurrentAgents,
      version: packageVersion(),
    },
    'symphony started',
  );
  const status = new StatusHub({ orchestrator, workflow: store, logsRoot: options.logsRoot ?? null, logger: logger.child({ component: 'status' }) });
  if (metrics !== null) {
    status.subscribe((event) => metrics.observe(event));
    metrics.bindSnapshot(() => status.snapshot());
    orchestrator.onTick((durationMs) => metrics.pollTick(durationMs));
  }
  let server: HttpServer | null = null;
  if (port !== null) {
    try {
      // fastify, the routes and the dashboard pages are loaded only when the server runs.
      const [{ startHttpServer }, { dashboardPages }] = await Promise.all([import('../server/server.js'), import('../server/dashboard/pages.js')]);
      server = await startHttpServer({
        source: status,
        host: config.server.host,
        port,
        authToken: config.server.authToken,
        logger: logger.child({ component: 'http' }),
        ...(metrics === null ? {} : { metrics: () => metrics.render() }),
        ...(journal === null ? {} : { history: { runsSince: (sinceMs: number, limit: number) => journal.journal.runsSince(sinceMs, limit), runsOf: (issueId: string, limit: number) => journal.journal.runsOf(issueId, limit), runsOfIdentifier: (identifier: string, limit: number) => journal.journal.runsOfIdentifier(identifier, limit), currentRevision: () => store.current().revision ?? null } }),
        pages: dashboardPages(),
      });
    } catch (error) {
      status.close();
      journal?.close();
      await store.close();
      throw toSymphonyError(error);
    }
  }
  await orchestrator.start();
  return {
    orchestrator,
    store,
    status,
    metrics,
    server,
    stop: async (deadlineMs = SHUTDOWN_DEADLINE_MS) => {
      const finished = await orchestrator.shutdown(deadlineMs);
      await server?.close();
      status.close();
      // After the orchestrator's last step: the runs it ended are recorded.
      journal?.close();
      await store.close();
      logger.info({ outcome: finished ? 'completed' : 'timed_out' }, 'symphony stopped');
      return finished;
    },
  };
}

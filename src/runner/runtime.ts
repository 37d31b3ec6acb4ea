/**
 * The runner contract (issue 8 item 1): what every agent runtime (Codex app-server, Claude Code,
 * ACP agents) offers the daemon, so workspaces, prompts, continuation turns, the host-side tracker
 * tool, operator intervention, token accounting, stall handling, status and metrics are the same
 * whatever runs the agent. A runtime is a {@link RuntimeProfile} in the registry
 * (`src/runner/registry.ts`), selected by `agent.runtime` or per issue by a `runtime:<kind>` label.
 */
import type { ServiceConfig } from '../config/types.js';
import type { Clock } from '../domain/clock.js';
import type { AgentEventSink } from '../domain/agent-event.js';
import type { Logger } from '../logging/logger.js';
import type { AgentToolSpec, ToolResult } from '../tracker/tracker.js';
import type { WorkerSession } from './worker.js';

/** Everything a runtime gets to start one session for one run. Runtime-neutral. */
export interface RuntimeStartRequest {
  /** The run's workflow config; the runtime reads its own section (`codex`, `claude`, `acp`). */
  readonly config: ServiceConfig;
  /** Absolute workspace path (the agent's cwd); inside `config.workspaceRoot`. */
  readonly workspacePath: string;
  /** Base environment (the daemon's); copied, never modified. */
  readonly env: NodeJS.ProcessEnv;
  /** Names removed from the agent's environment (tracker secrets, `$VAR` references). */
  readonly secretEnvNames: readonly string[];
  /** Whether an operator can answer requests (the HTTP server is up): approvals then wait for one. */
  readonly operatorChannel: boolean;
  /** Tools the agent may call, executed host-side by {@link RuntimeStartRequest.executeTool}. */
  readonly tools: readonly AgentToolSpec[];
  /** Executes an advertised tool host-side with the daemon's credentials; never rejects. */
  readonly executeTool: (name: string, args: unknown) => Promise<ToolResult>;
  /** Receives the session's agent events (each with its activity); must not throw. */
  readonly onEvent: AgentEventSink;
  readonly logger: Logger;
  /** Aborts the startup: the runtime stops what it started and rejects with `canceled`. */
  readonly signal: AbortSignal;
  /** The daemon's name and version for client-info fields. */
  readonly clientVersion: string;
  /** Where the raw stream may be logged (`<logsRoot>/sessions/<workspaceKey>/…`); null: nowhere. */
  readonly sessionLog: { readonly logsRoot: string; readonly workspaceKey: string } | null;
  /** Time for the session's timers and event timestamps. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Continue this thread instead of starting a new one (issue 9: the run was live when the daemon
   * last stopped). `threadId` is the id the run's agent events carried as `threadId` (a Codex
   * thread id, a Claude Code session id). Only for a profile with {@link RuntimeProfile.canResume};
   * `start` rejects with `resume_failed` when the runtime cannot continue that thread. Omitted: a
   * new thread.
   */
  readonly resume?: { readonly threadId: string };
}

/** One line of `symphony check` for a runtime (`ok`, `WARN` or `FAIL` with `<code>: …`). */
export interface RuntimeProbeResult {
  readonly status: 'ok' | 'WARN' | 'FAIL';
  readonly detail: string;
}

/** What a probe gets: the workflow config, the daemon's environment and a scratch directory. */
export interface RuntimeProbeRequest {
  readonly config: ServiceConfig;
  readonly env: NodeJS.ProcessEnv;
  /** A directory the probe may create temporary directories in. */
  readonly tmpDir: string;
}

/**
 * An agent runtime this build supports.
 *
 * Contract of the session `start` resolves with (checked by `test/runner/contract.ts` against
 * every runtime): `runTurn` resolves once the agent finished the turn and rejects with a
 * `SymphonyError` otherwise (`turn_failed`, `turn_timeout`, `turn_input_required`,
 * `operator_timeout`, `port_exit` after `stop`…); the first turn emits `session_started`, later
 * ones `turn_started`, each end `turn_completed` / `turn_failed`; absolute token totals arrive as
 * `token_usage_updated`; a request that needs a person emits `operator_waiting` (when
 * `operatorChannel`) and waits for `answer`; `stop` is idempotent and leaves no process behind.
 */
export interface RuntimeProfile {
  /** Exact `agent.runtime` value and `runtime:<kind>` label suffix. */
  readonly kind: string;
  /** Name for people (status words, check lines): `Codex`, `Claude Code`, `ACP agent`. */
  readonly displayName: string;
  /**
   * Whether `start` honours {@link RuntimeStartRequest.resume}: the runtime keeps a thread's
   * history where a later daemon can reopen it (Codex `thread/resume`, Claude Code's `resume`
   * option). Absent or false: a run live at a restart is retried on a new thread instead.
   */
  readonly canResume?: boolean;
  /**
   * Starts a session in the workspace: after it resolves, the first `runTurn` may be called.
   *
   * @throws SymphonyError `canceled` when `signal` aborted; `resume_failed` when `request.resume`
   *   names a thread the runtime cannot continue; the runtime's startup errors (`codex_not_found`
   *   for Codex, `agent_not_found` for the others, `response_timeout`, `port_exit`…) otherwise.
   */
  start(request: RuntimeStartRequest): Promise<WorkerSession>;
  /** The `symphony check` line for this runtime; never rejects, leaves no process behind. */
  probe?(request: RuntimeProbeRequest): Promise<RuntimeProbeResult>;
}

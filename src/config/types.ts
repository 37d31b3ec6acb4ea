/**
 * The typed view of `WORKFLOW.md` front matter (spec §4.1.3, §6.4) after defaults, `$VAR`
 * resolution and validation. Every field is resolved: consumers never apply defaults themselves.
 */
import type { RuntimeKind } from '../runner/kinds.js';

/** `hooks.*` (spec §5.3.4). Scripts are null when not configured. */
export interface HooksConfig {
  readonly afterCreate: string | null;
  readonly beforeRun: string | null;
  readonly afterRun: string | null;
  readonly beforeRemove: string | null;
  /** Per-hook timeout in ms. Default 60000. */
  readonly timeoutMs: number;
}

/** `codex.*` (spec §5.3.6). Codex-owned values are passed through in the targeted version's vocabulary. */
export interface CodexConfig {
  /** Shell command run as `bash -lc <command>` in the workspace. Default `codex app-server`. */
  readonly command: string;
  /** Codex `AskForApproval`. Default: {@link DEFAULT_APPROVAL_POLICY} (every approval rejected). */
  readonly approvalPolicy: string | Readonly<Record<string, unknown>>;
  /** Codex `SandboxMode` for `thread/start`. Default `workspace-write`. */
  readonly threadSandbox: string;
  /** Codex `SandboxPolicy` for `turn/start`; null = derived from `threadSandbox` and the workspace. */
  readonly turnSandboxPolicy: Readonly<Record<string, unknown>> | null;
  /** Max silence while a turn streams, ms. Default 3600000. */
  readonly turnTimeoutMs: number;
  /** Request/response timeout, ms, for every request but `initialize`. Default 5000. */
  readonly readTimeoutMs: number;
  /**
   * Startup allowance, ms: from spawning `bash -lc <command>` until the `initialize` response, so a
   * slow login shell (`~/.bash_profile`, `~/.profile`) and the process start count against it
   * rather than against `readTimeoutMs`. Default {@link DEFAULT_STARTUP_TIMEOUT_MS} (60 s), or
   * `readTimeoutMs` when that is larger.
   */
  readonly startupTimeoutMs: number;
}

/**
 * How an ACP agent's `session/request_permission` is answered (`acp.approval_policy`):
 * `ask` (default) holds it for an operator when one can answer (the HTTP server is up) and rejects
 * it otherwise; `allow` selects the agent's `allow_once` option at once; `deny` selects its
 * `reject_once` option (or answers `cancelled` when it offers none). See `src/runner/acp/permissions.ts`.
 */
export type AcpApprovalPolicy = 'ask' | 'allow' | 'deny';

/** `acp.*`: the Agent Client Protocol runtime (`agent.runtime: acp`, label `runtime:acp`). */
export interface AcpConfig {
  /**
   * Shell command run as `bash -lc <command>` in the workspace, speaking ACP on stdio (e.g.
   * `gemini --acp`). Null when not configured: required when `agent.runtime` is `acp`; a run routed
   * to ACP by a `runtime:acp` label without it fails at launch with `invalid_config`.
   */
  readonly command: string | null;
  /** `authenticate` method id sent after `initialize` (e.g. `gemini-api-key`); null: no `authenticate`. */
  readonly authMethod: string | null;
  /** Permission posture. Default `ask`. */
  readonly approvalPolicy: AcpApprovalPolicy;
  /** From spawn to the `initialize` response, ms. Default {@link DEFAULT_STARTUP_TIMEOUT_MS} (60 s). */
  readonly startupTimeoutMs: number;
  /** Timeout of every other request but `session/prompt` (`authenticate`, `session/new`), ms. Default 30000. */
  readonly readTimeoutMs: number;
  /** Max silence of the agent during a turn (no message on stdout), ms. Default 3600000. */
  readonly turnTimeoutMs: number;
}

/**
 * How a Claude Code permission prompt (`canUseTool`) is answered (`claude.approval_policy`):
 * `ask` (default) holds it for an operator when one can answer (the HTTP server is up) and
 * declines it otherwise; `allow` approves it at once; `deny` declines it at once. Declining tells
 * the model and the turn goes on. See `src/runner/claude/permissions.ts`.
 */
export type ClaudeApprovalPolicy = 'ask' | 'allow' | 'deny';

/** Claude Code's permission modes (`claude.permission_mode`; SDK `PermissionMode`). */
export type ClaudePermissionMode = 'default' | 'acceptEdits' | 'plan' | 'dontAsk' | 'auto' | 'bypassPermissions';

/** `claude.*`: the Claude Code runtime (`agent.runtime: claude`, label `runtime:claude`). */
export interface ClaudeConfig {
  /** Model id or alias (`claude-sonnet-4-5`, `opus`); null: Claude Code's own default model. Default null. */
  readonly model: string | null;
  /** Permission posture. Default `ask`. */
  readonly approvalPolicy: ClaudeApprovalPolicy;
  /**
   * Claude Code permission mode. Default `default` (every call Claude Code would prompt for reaches
   * the approval posture); `bypassPermissions` never asks and is warned about at load.
   */
  readonly permissionMode: ClaudePermissionMode;
  /** Permission rules auto-allowed without asking (`Bash(npm test:*)`, `Edit`). Default `[]`. */
  readonly allowedTools: readonly string[];
  /** Tools removed from the model's context (`WebFetch`, `Bash(curl:*)`). Default `[]`. */
  readonly disallowedTools: readonly string[];
  /** Max silence of Claude Code during a turn (no SDK message), ms. Default 3600000. */
  readonly turnTimeoutMs: number;
  /** From spawn until Claude Code answers the SDK's initialize request, ms. Default {@link DEFAULT_STARTUP_TIMEOUT_MS} (60 s). */
  readonly startupTimeoutMs: number;
  /** Claude Code executable; null: the native binary bundled with the pinned SDK. Default null. */
  readonly pathToExecutable: string | null;
}

/** `agent.*` (spec §5.3.5). */
export interface AgentConfig {
  /** Default 10. */
  readonly maxConcurrentAgents: number;
  /** Turns per worker session. Default 20. */
  readonly maxTurns: number;
  /** Cap of failure backoff, ms. Default 300000. */
  readonly maxRetryBackoffMs: number;
  /** Normalized (trim+lowercase) state name → positive limit. Default `{}`. */
  readonly maxConcurrentAgentsByState: Readonly<Record<string, number>>;
  /**
   * How long an agent request waiting for an operator (approval, user input) may stay unanswered
   * before the run fails, ms. Default {@link DEFAULT_OPERATOR_TIMEOUT_MS} (30 minutes).
   */
  readonly operatorTimeoutMs: number;
  /**
   * Inactivity before the orchestrator kills a run, ms, whatever the runtime; ≤ 0 disables.
   * `agent.stall_timeout_ms`, or its alias `codex.stall_timeout_ms` (the spec's key). Default 300000.
   */
  readonly stallTimeoutMs: number;
  /**
   * How many agent launches (spawn → `initialize` answered → thread started) may be in flight at
   * once across all workers; further runs wait for a slot (stall detection skips a run meanwhile).
   * Default {@link DEFAULT_MAX_CONCURRENT_LAUNCHES}.
   */
  readonly maxConcurrentLaunches: number;
  /**
   * `agent.runtime`: the runtime that runs agents (`codex`, the default; issue 8). An issue's
   * `runtime:<kind>` label overrides it for that issue.
   */
  readonly runtime: RuntimeKind;
  /** `agent.max_tokens_per_issue`: tokens one issue may use over all its runs; null (default): no limit. Issue 9. */
  readonly maxTokensPerIssue: number | null;
  /** `agent.max_runtime_ms_per_issue`: dispatch-to-exit time one issue may use over all its runs, ms; null: no limit. */
  readonly maxRuntimeMsPerIssue: number | null;
  /** `agent.max_tokens_per_day`: tokens all issues together may use per UTC day; null: no limit. */
  readonly maxTokensPerDay: number | null;
  /** `agent.no_progress_max_repeats`: the same command started this many times in a row stops the run; null: off. */
  readonly noProgressMaxRepeats: number | null;
  /** `agent.no_progress_max_turns`: this many turns in a row without a `git status` change stop the run; null: off. */
  readonly noProgressMaxTurns: number | null;
}

/**
 * `journal.*` (issue 9): the run journal that lets a restarted daemon recover its claims, retries,
 * blocked issues, live runs and usage. Read at startup; a reload that changes it applies at the
 * next start.
 */
export interface JournalConfig {
  /** `journal.enabled` (default true); false keeps the daemon stateless as the spec's §14.3 describes. */
  readonly enabled: boolean;
  /**
   * `journal.path`: absolute path of the SQLite file (`~` and `$VAR` expanded, relative to the
   * workflow's directory); null when unset (the CLI then uses `<logs-root>/journal.db` with
   * `--logs-root`, else `<workflow dir>/.symphony/journal.db`).
   */
  readonly path: string | null;
}

/** `tracker.*` (spec §5.3.1) with the adapter's documented defaults applied. */
export interface TrackerConfig {
  readonly kind: string;
  /** Adapter-owned settings, already validated and `$VAR`-resolved by the adapter profile. */
  readonly settings: unknown;
  /** Raw merged provider map (unknown keys preserved); may contain secrets: never log it. */
  readonly provider: Readonly<Record<string, unknown>>;
  readonly requiredLabels: readonly string[];
  readonly activeStates: readonly string[];
  readonly terminalStates: readonly string[];
}

/** `server.*` (spec §13.7 extension). */
export interface ServerConfig {
  /** Null = no HTTP server unless `--port` is given. 0 = ephemeral. */
  readonly port: number | null;
  /** Default `127.0.0.1`. */
  readonly host: string;
  /**
   * Bearer token every request must carry (`server.auth_token`, normally `$VAR`); null = none.
   * Required when `host` is not loopback. A secret: never logged.
   */
  readonly authToken: string | null;
}

/** The effective configuration of one successfully loaded `WORKFLOW.md`. */
export interface ServiceConfig {
  /** Absolute path of the workflow file. */
  readonly workflowPath: string;
  readonly tracker: TrackerConfig;
  /** Poll cadence, ms. Default 30000. */
  readonly pollIntervalMs: number;
  /** Absolute, normalized workspace root. Default `<tmpdir>/symphony_workspaces`. */
  readonly workspaceRoot: string;
  readonly hooks: HooksConfig;
  readonly agent: AgentConfig;
  readonly codex: CodexConfig;
  /** `acp.*` (ACP agents). */
  readonly acp: AcpConfig;
  /** `claude.*` (Claude Code). */
  readonly claude: ClaudeConfig;
  readonly server: ServerConfig;
  readonly journal: JournalConfig;
  /**
   * Every environment variable name referenced through `$VAR` anywhere in the front matter plus
   * the adapter's secret fallbacks. These never reach an agent's environment.
   */
  readonly secretEnvNames: readonly string[];
}

/** A loaded workflow: typed config plus the trimmed prompt template (spec §4.1.2). */
export interface EffectiveWorkflow {
  readonly config: ServiceConfig;
  /** Trimmed Markdown body; may be empty (a default prompt is then used). */
  readonly promptTemplate: string;
  /** 1-based line of WORKFLOW.md on which `promptTemplate` starts (for error lines). Default 1. */
  readonly promptLine?: number;
  /** sha256 (hex) of the WORKFLOW.md text this was loaded from: the run journal's workflow revision. */
  readonly revision?: string;
  /**
   * Non-fatal remarks to log once per load (permissive policies, aliases, unknown keys — the latter
   * as `<file>: <dotted key> is not a known key and is ignored (did you mean …?)`).
   */
  readonly warnings: readonly string[];
}

/** Default `agent.operator_timeout_ms`: 30 minutes. */
export const DEFAULT_OPERATOR_TIMEOUT_MS = 1_800_000;

/** Default `codex.startup_timeout_ms`: 60 s from spawn to the `initialize` response. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;

/** Default `agent.max_concurrent_launches`. */
export const DEFAULT_MAX_CONCURRENT_LAUNCHES = 4;

/**
 * Largest delay Node timers honour, ms (2^31 − 1); a larger one fires after 1 ms. Every `*_ms`
 * setting is validated against it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Every approval rejected without asking: the safe default in Codex 0.169's vocabulary. */
export const DEFAULT_APPROVAL_POLICY: Readonly<Record<string, unknown>> = Object.freeze({
  granular: Object.freeze({
    sandbox_approval: false,
    rules: false,
    mcp_elicitations: false,
    request_permissions: false,
    skill_approval: false,
  }),
});

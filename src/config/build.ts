/**
 * The pure typed-config builder: raw front matter in, {@link ServiceConfig} (or issues) out.
 * Applies every default of spec §6.4, resolves `$VAR` for path values, hands `tracker.provider`
 * to the selected adapter profile, and collects one-line errors and warnings. No I/O.
 */
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { oneLine } from '../errors.js';
import type { ProviderValidation, TrackerProfile } from '../tracker/profile.js';
import { DEFAULT_APPROVAL_POLICY, DEFAULT_STARTUP_TIMEOUT_MS } from './types.js';
import type { CodexConfig, HooksConfig, ServerConfig, ServiceConfig, TrackerConfig } from './types.js';
import { envRefName, expandPath, resolveEnvRef } from './resolve.js';
import { Collector, describe, isMap, typeName, type ConfigIssue, type RawMap } from './collector.js';
import { unknownKeyWarnings } from './keys.js';
import { buildAcp } from './acp.js';
import { buildClaude } from './claude.js';
import { buildAgent } from './agent.js';
import { buildJournal } from './journal.js';

export type { ConfigIssue } from './collector.js';

/** Inputs of {@link buildServiceConfig}. */
export interface BuildOptions {
  /** Absolute path of the workflow file; relative `workspace.root` resolves against its directory. */
  readonly workflowPath: string;
  /** Environment for `$VAR` references and adapter fallbacks (never mutated). */
  readonly env: NodeJS.ProcessEnv;
  /** Supported tracker kinds → adapter profile (real map: `src/tracker/registry.ts`). */
  readonly profiles: ReadonlyMap<string, TrackerProfile>;
  /** System temp dir for the default workspace root. Default `os.tmpdir()`. */
  readonly tmpDir?: string;
}

/** Outcome of {@link buildServiceConfig}: `config` is present exactly when `errors` is empty. */
export interface BuildResult {
  readonly config?: ServiceConfig;
  readonly errors: ConfigIssue[];
  readonly warnings: string[];
}

/** Codex `SandboxMode` values of the targeted Codex version (0.169). */
export const SANDBOX_MODES: readonly string[] = ['read-only', 'workspace-write', 'danger-full-access'];
/** Codex `AskForApproval` string values of the targeted Codex version (0.169). */
const KNOWN_APPROVAL_STRINGS: readonly string[] = ['untrusted', 'on-request', 'never'];
/** Hosts that count as loopback for `server.host`. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];


/**
 * Builds the effective typed configuration from a raw front-matter map.
 *
 * Absent or `null` values take their §6.4 default; unknown keys are ignored, each with a warning
 * naming the file and its dotted path (see {@link unknownKeyWarnings}). Never throws.
 *
 * Implements spec §5.3 (unknown keys), §6.1 steps 3-5, §6.3 checks on the config, §6.4 defaults,
 * §13.7 `server.*`.
 */
export function buildServiceConfig(raw: Readonly<RawMap>, options: BuildOptions): BuildResult {
  const ctx = new Collector();
  const tracker = buildTracker(ctx.section(raw, 'tracker'), ctx, options);
  const pollIntervalMs = ctx.int(ctx.section(raw, 'polling'), 'polling.interval_ms', 30_000, 'positive', true);
  const workspaceRoot = buildWorkspaceRoot(ctx.section(raw, 'workspace'), ctx, options);
  const hooks = buildHooks(ctx.section(raw, 'hooks'), ctx);
  const codexSection = ctx.section(raw, 'codex');
  const agent = buildAgent(ctx.section(raw, 'agent'), codexSection, ctx);
  const codex = buildCodex(codexSection, ctx);
  const acp = buildAcp(ctx.section(raw, 'acp'), agent.runtime, ctx);
  const claude = buildClaude(ctx.section(raw, 'claude'), ctx);
  const server = buildServer(ctx.section(raw, 'server'), ctx, options.env);
  const journal = buildJournal(ctx.section(raw, 'journal'), ctx, options);
  const secretEnvNames = [...new Set([...collectEnvRefs(raw), ...(tracker?.secretNames ?? [])])];
  ctx.warnings.push(...unknownKeyWarnings(raw, { workflowPath: options.workflowPath, profile: profileOf(raw, options.profiles) }));
  if (ctx.errors.length > 0 || tracker === null) return { errors: ctx.errors, warnings: ctx.warnings };
  const { workflowPath } = options;
  const config: ServiceConfig = { workflowPath, tracker: tracker.config, pollIntervalMs, workspaceRoot, hooks, agent, codex, acp, claude, server, journal, secretEnvNames };
  return { config, errors: [], warnings: ctx.warnings };
}

interface BuiltTracker {
  readonly config: TrackerConfig;
  readonly secretNames: readonly string[];
}

/** `tracker.*` (spec §5.3.1, §11.2): kind, merged provider map validated by the profile, state lists. */
function buildTracker(section: RawMap, ctx: Collector, options: BuildOptions): BuiltTracker | null {
  const supported = [...options.profiles.keys()].join(', ') || '(none)';
  const kind = section.kind;
  if (kind === undefined || kind === null || (typeof kind === 'string' && kind.trim() === '')) {
    ctx.fail('tracker.kind', `is required (supported: ${supported})`, 'unsupported_tracker_kind');
    return null;
  }
  const profile = typeof kind === 'string' ? options.profiles.get(kind) : undefined;
  if (typeof kind !== 'string' || profile === undefined) {
    ctx.fail('tracker.kind', `${describe(kind)} is not supported (supported: ${supported})`, 'unsupported_tracker_kind');
    return null;
  }
  const provider = mergeProvider(section, profile, ctx);
  const requiredLabels = ctx.stringList(section, 'tracker.required_labels', [], true, 'invalid_tracker_config');
  const activeStates = trackerStates(section, 'active_states', profile.defaultActiveStates, ctx, kind);
  const terminalStates = trackerStates(section, 'terminal_states', profile.defaultTerminalStates, ctx, kind);
  if (Array.isArray(section.active_states) && section.active_states.length === 0) {
    ctx.warnings.push('tracker.active_states is empty: no issue will be dispatched');
  }
  if (provider === null) return null;
  const validation = validateProvider(profile, provider, options.env);
  for (const issue of validation.errors) {
    const keyPath = /^(tracker\.[\w.]+)/.exec(issue.message)?.[1] ?? 'tracker.provider';
    ctx.errors.push({ code: issue.code, keyPath, message: issue.message });
  }
  ctx.warnings.push(...validation.warnings);
  if (validation.errors.length > 0) return null;
  if (validation.settings === undefined) {
    ctx.fail('tracker.provider', `was rejected by the ${kind} adapter without a reason`, 'invalid_tracker_config');
    return null;
  }
  const settings: unknown = validation.settings;
  return {
    config: { kind, settings, provider, requiredLabels, activeStates, terminalStates },
    secretNames: profile.secretEnvironmentNames(settings),
  };
}

/** The profile of `tracker.kind`, when it names a supported one (errors are `buildTracker`'s). */
function profileOf(raw: Readonly<RawMap>, profiles: ReadonlyMap<string, TrackerProfile>): TrackerProfile | undefined {
  const kind = isMap(raw.tracker) ? raw.tracker.kind : undefined;
  return typeof kind === 'string' ? profiles.get(kind) : undefined;
}

/** `profile.validate`, with a (contract-breaking) throw turned into an issue so the build never throws. */
function validateProvider(profile: TrackerProfile, provider: Readonly<RawMap>, env: NodeJS.ProcessEnv): ProviderValidation<unknown> {
  try {
    return profile.validate(provider, env);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { errors: [{ code: 'invalid_tracker_config', message: `tracker.provider rejected by the ${profile.kind} adapter: ${oneLine(reason, 200)}` }], warnings: [] };
  }
}

/** Flat legacy keys (`profile.flatProviderKeys`) under nested `tracker.provider`; nested wins. */
function mergeProvider(section: RawMap, profile: TrackerProfile, ctx: Collector): Readonly<RawMap> | null {
  const nested = section.provider ?? {};
  if (!isMap(nested)) {
    ctx.fail('tracker.provider', `must be a map (got ${typeName(nested)})`, 'invalid_tracker_config');
    return null;
  }
  const merged: RawMap = {};
  for (const key of profile.flatProviderKeys) {
    const value = section[key];
    if (value !== undefined && value !== null) merged[key] = value;
  }
  for (const [key, value] of Object.entries(nested)) {
    if (value === null && key in merged) continue;
    if (key in merged && !isDeepStrictEqual(merged[key], value)) {
      ctx.warnings.push(`tracker.${key} is overridden by tracker.provider.${key}`);
    }
    merged[key] = value;
  }
  return merged;
}

function trackerStates(section: RawMap, key: string, fallback: readonly string[], ctx: Collector, kind: string): readonly string[] {
  if ((section[key] === undefined || section[key] === null) && fallback.length === 0) {
    ctx.fail(`tracker.${key}`, `is required: the ${kind} adapter documents no default`, 'invalid_tracker_config');
    return [];
  }
  return ctx.stringList(section, `tracker.${key}`, fallback, false, 'invalid_tracker_config');
}


/** `workspace.root` (spec §5.3.3): `$VAR`, `~`, relative to the workflow directory, absolute. */
function buildWorkspaceRoot(section: RawMap, ctx: Collector, options: BuildOptions): string {
  const fallback = path.join(options.tmpDir ?? os.tmpdir(), 'symphony_workspaces');
  const value = section.root;
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') {
    ctx.fail('workspace.root', `must be a path string (got ${describe(value)})`);
    return fallback;
  }
  const expanded = expandPath(value, { env: options.env, baseDir: path.dirname(options.workflowPath) });
  if (!expanded.ok) {
    ctx.fail('workspace.root', expanded.reason);
    return fallback;
  }
  return expanded.path;
}

/** `hooks.*` (spec §5.3.4); blank scripts count as absent; scripts are kept verbatim. */
function buildHooks(section: RawMap, ctx: Collector): HooksConfig {
  return {
    afterCreate: ctx.string(section, 'hooks.after_create', null, true),
    beforeRun: ctx.string(section, 'hooks.before_run', null, true),
    afterRun: ctx.string(section, 'hooks.after_run', null, true),
    beforeRemove: ctx.string(section, 'hooks.before_remove', null, true),
    timeoutMs: ctx.int(section, 'hooks.timeout_ms', 60_000, 'positive', true),
  };
}

/** `codex.*` (spec §5.3.6, §10): Codex-owned values pass through after loose type checks. */
function buildCodex(section: RawMap, ctx: Collector): CodexConfig {
  const command = ctx.string(section, 'codex.command', 'codex app-server', false) ?? 'codex app-server';
  const approvalPolicy = approval(section.approval_policy, ctx);
  const threadSandbox = ctx.string(section, 'codex.thread_sandbox', 'workspace-write', false) ?? 'workspace-write';
  if (!SANDBOX_MODES.includes(threadSandbox)) {
    ctx.fail('codex.thread_sandbox', `must be one of ${SANDBOX_MODES.join(', ')} (got ${describe(threadSandbox)})`);
  }
  const turnSandboxPolicy = sandboxPolicy(section.turn_sandbox_policy, ctx);
  warnOnPermissivePosture(approvalPolicy, threadSandbox, turnSandboxPolicy, ctx);
  const turnTimeoutMs = ctx.int(section, 'codex.turn_timeout_ms', 3_600_000, 'positive', true);
  const readTimeoutMs = ctx.int(section, 'codex.read_timeout_ms', 5_000, 'positive', true);
  // Absent: never less than read_timeout_ms, which used to bound initialize too.
  const startupTimeoutMs = ctx.int(section, 'codex.startup_timeout_ms', Math.max(DEFAULT_STARTUP_TIMEOUT_MS, readTimeoutMs), 'positive', true);
  if (startupTimeoutMs < readTimeoutMs) {
    ctx.warnings.push(`codex.startup_timeout_ms (${startupTimeoutMs}) is shorter than codex.read_timeout_ms (${readTimeoutMs}): initialize gets only ${startupTimeoutMs} ms from launch, login shell included`);
  }
  return {
    command,
    approvalPolicy,
    threadSandbox,
    turnSandboxPolicy,
    turnTimeoutMs,
    readTimeoutMs,
    startupTimeoutMs,
  };
}

function approval(value: unknown, ctx: Collector): CodexConfig['approvalPolicy'] {
  if (value === undefined || value === null) return DEFAULT_APPROVAL_POLICY;
  if (typeof value === 'string' && value.trim() !== '') {
    if (!KNOWN_APPROVAL_STRINGS.includes(value)) {
      ctx.warnings.push(`codex.approval_policy ${describe(value)} is not one of ${KNOWN_APPROVAL_STRINGS.join(', ')}; passed to Codex as is`);
    }
    return value;
  }
  if (isMap(value)) return value;
  ctx.fail('codex.approval_policy', `must be a Codex AskForApproval string or map (got ${describe(value)})`);
  return DEFAULT_APPROVAL_POLICY;
}

function sandboxPolicy(value: unknown, ctx: Collector): CodexConfig['turnSandboxPolicy'] {
  if (value === undefined || value === null) return null;
  if (isMap(value) && typeof value.type === 'string') return value;
  ctx.fail('codex.turn_sandbox_policy', `must be a Codex SandboxPolicy map with a string "type" (got ${describe(value)})`);
  return null;
}

/** Warns when the workflow turns the sandbox off (spec §15.5: the posture is the workflow's choice). */
function warnOnPermissivePosture(
  approvalPolicy: CodexConfig['approvalPolicy'],
  threadSandbox: string,
  turnPolicy: CodexConfig['turnSandboxPolicy'],
  ctx: Collector,
): void {
  const fullAccess = [
    threadSandbox === 'danger-full-access' ? 'codex.thread_sandbox danger-full-access' : null,
    turnPolicy?.type === 'dangerFullAccess' ? 'codex.turn_sandbox_policy dangerFullAccess' : null,
  ].filter((part): part is string => part !== null);
  if (fullAccess.length === 0) return;
  const never = approvalPolicy === 'never' ? ' with codex.approval_policy never (no approval is ever asked)' : '';
  ctx.warnings.push(
    `the workflow chose a permissive posture: ${fullAccess.join(' and ')}${never}; agents run without a filesystem sandbox`,
  );
}

/**
 * `server.*` (spec §13.7 extension). `server.auth_token` is read like a tracker secret (a whole-value
 * `$VAR` resolves; unset/empty is missing) and is required when `server.host` is not loopback.
 */
function buildServer(section: RawMap, ctx: Collector, env: NodeJS.ProcessEnv): ServerConfig {
  const port = section.port === undefined || section.port === null ? null : ctx.int(section, 'server.port', 0, 'port');
  const host = ctx.string(section, 'server.host', '127.0.0.1', false) ?? '127.0.0.1';
  let authToken: string | null = null;
  const rawToken = section.auth_token;
  if (rawToken !== undefined && rawToken !== null) {
    if (typeof rawToken !== 'string') ctx.fail('server.auth_token', `must be a string or $VAR (got ${typeName(rawToken)})`);
    else {
      const resolved = resolveEnvRef(rawToken.trim(), env);
      authToken = resolved.value === null || resolved.value.trim() === '' ? null : resolved.value;
      if (authToken === null) {
        const what = resolved.envName === null ? 'is empty' : `refers to $${resolved.envName}, which is unset or empty`;
        ctx.fail('server.auth_token', what);
      } else if (resolved.envName === null) {
        ctx.warnings.push('server.auth_token is a literal in the workflow file; prefer $VAR so the token stays out of the repository');
      }
    }
  }
  if (!LOOPBACK_HOSTS.includes(host)) {
    if (rawToken === undefined || rawToken === null) {
      ctx.fail('server.auth_token', `is required when server.host ${describe(host)} is not loopback (set it to $SOME_VAR)`);
    } else {
      ctx.warnings.push(`server.host ${describe(host)} is not loopback: the dashboard and API are reachable from the network (bearer token required)`);
    }
  }
  return { port, host, authToken };
}

/** Every env name referenced by a whole-value `$NAME` / `${NAME}` anywhere in the map. */
function collectEnvRefs(value: unknown, found: string[] = []): string[] {
  const name = envRefName(value);
  if (name !== null) found.push(name);
  else if (Array.isArray(value)) for (const item of value) collectEnvRefs(item, found);
  else if (isMap(value)) for (const item of Object.values(value)) collectEnvRefs(item, found);
  return found;
}

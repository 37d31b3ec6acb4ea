/**
 * The Linear adapter profile (spec §11.2), `tracker.kind: linear`.
 *
 * **Provider keys** (`tracker.provider`, or flat under `tracker` in legacy workflows; nested wins):
 * - `api_key` — secret. Omitted → env `LINEAR_API_KEY`. `$NAME` / `${NAME}` → env `NAME`; an
 *   empty result is missing (`missing_tracker_secret`). A literal key works but warns (an agent
 *   with workspace access could read WORKFLOW.md). Sent raw as `Authorization` (no `Bearer`).
 * - `project_slug` — required; the project's `slugId` (`invalid_tracker_config` when missing).
 * - `endpoint` — default `https://api.linear.app/graphql`; https only (http for localhost only).
 * - `assignee` — optional routing: a Linear user id, or `me` (the API key's viewer, looked up once
 *   per adapter). Omitted → env `LINEAR_ASSIGNEE`; empty → no routing.
 * - `request_timeout_ms` — per-request timeout, positive integer, default 30000 (our extension).
 * Unknown keys warn (the profile declares `providerKeys`, so the config layer names the file and
 * suggests the nearest key). Errors are one line starting with the key path, e.g.
 * `tracker.provider.project_slug is required for tracker.kind linear`; values of secrets never appear.
 * **Secret env names**: `LINEAR_API_KEY`, plus `NAME` for `api_key: $NAME`.
 * **Default states**: active `Todo`, `In Progress`; terminal `Closed`, `Cancelled`, `Canceled`,
 * `Duplicate`, `Done`.
 *
 * **Scope & paging**: every read filters `project.slugId eq project_slug`. State reads add
 * `state.name in [...]`, 50 per page, following `pageInfo.endCursor` in Linear's order; id reads
 * use `id in [...]`, batches of 50. Labels and inverse relations: first 50 per issue.
 * Rate limits: HTTP 429 or GraphQL `extensions.code: RATELIMITED` closes the adapter for
 * `Retry-After` (seconds or HTTP date), else `X-RateLimit-Requests-Reset` (epoch ms), else 60 s;
 * calls meanwhile fail fast with `tracker_rate_limited` without a request.
 *
 * **Identity**: `id` = Linear issue id; `native_ref` = `{ linear_issue_id, team_id, team_key }`.
 * **Normalization**: see `normalize.ts` (`normalizeLinearIssue`).
 * **Tool**: `linear_graphql` — see `tool.ts`. **Errors**: see `classify.ts` and `transport.ts`.
 */
import type { TrackerProfile } from '../profile.js';
import { createLinearAdapter } from './adapter.js';
import { LINEAR_PROVIDER_KEYS, validateLinearProvider, type LinearSettings } from './settings.js';

/** Default `tracker.active_states` for Linear. */
export const LINEAR_DEFAULT_ACTIVE_STATES: readonly string[] = Object.freeze(['Todo', 'In Progress']);
/** Default `tracker.terminal_states` for Linear. */
export const LINEAR_DEFAULT_TERMINAL_STATES: readonly string[] = Object.freeze(['Closed', 'Cancelled', 'Canceled', 'Duplicate', 'Done']);

/** The `tracker.kind: linear` profile. Implements spec §11.2 (adapter profile) and §5.3.1. */
export const linearTrackerProfile: TrackerProfile<LinearSettings> = Object.freeze({
  kind: 'linear',
  defaultActiveStates: LINEAR_DEFAULT_ACTIVE_STATES,
  defaultTerminalStates: LINEAR_DEFAULT_TERMINAL_STATES,
  flatProviderKeys: Object.freeze(['api_key', 'project_slug', 'endpoint', 'assignee']),
  providerKeys: LINEAR_PROVIDER_KEYS,
  // Unknown provider keys are reported by the config layer, through `providerKeys`.
  validate: (provider: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv) => validateLinearProvider(provider, env, { warnUnknownKeys: false }),
  secretEnvironmentNames: (settings: LinearSettings): readonly string[] => settings.secretEnvNames,
  create: createLinearAdapter,
});

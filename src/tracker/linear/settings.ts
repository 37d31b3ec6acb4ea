/**
 * Validation of the Linear adapter's `tracker.provider` map (spec §5.3.1, §6.1 step 4, §11.2,
 * §15.3): a pure function from the merged provider map and the environment to typed settings,
 * one-line errors and warnings. Never throws; never puts a secret value in a message.
 */
import { MAX_TIMER_MS } from '../../config/types.js';
import type { ProviderIssue, ProviderValidation } from '../profile.js';
import { SecretString } from './secret.js';

/** Default GraphQL endpoint (`tracker.provider.endpoint`). */
export const LINEAR_DEFAULT_ENDPOINT = 'https://api.linear.app/graphql';
/** Default per-request timeout in ms (`tracker.provider.request_timeout_ms`, our extension). */
export const LINEAR_DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Host environment fallback for an omitted `api_key`; always a secret name. */
export const LINEAR_API_KEY_ENV = 'LINEAR_API_KEY';
/** Host environment fallback for an omitted `assignee`. */
export const LINEAR_ASSIGNEE_ENV = 'LINEAR_ASSIGNEE';
/** Every provider key the Linear adapter reads; others are ignored with a warning. */
export const LINEAR_PROVIDER_KEYS = ['api_key', 'project_slug', 'endpoint', 'assignee', 'request_timeout_ms'] as const;

/** Resolved, validated Linear settings (the `Settings` of the Linear `TrackerProfile`). */
export interface LinearSettings {
  /** Personal API key, sent raw as the `Authorization` header; rendered `[redacted]` everywhere. */
  readonly apiKey: SecretString;
  /** Project `slugId` that scopes every read. */
  readonly projectSlug: string;
  /** GraphQL endpoint URL; https, or http only for localhost / 127.0.0.1 / [::1]. */
  readonly endpoint: string;
  /** Routing assignee: a Linear user id, `me` (the API key's viewer), or null (no routing). */
  readonly assignee: string | null;
  /** Per-request timeout in ms. Default 30000. */
  readonly requestTimeoutMs: number;
  /** Environment names the key may come from: `LINEAR_API_KEY` plus `NAME` for `api_key: $NAME`. */
  readonly secretEnvNames: readonly string[];
}

type Resolved =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: string; readonly envName: string | null }
  | { readonly kind: 'empty'; readonly envName: string | null }
  | { readonly kind: 'invalid'; readonly message: string };

const ENV_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The `NAME` of a value that is exactly `$NAME` or `${NAME}` (surrounding blanks ignored), else null. */
export function envReferenceName(value: string): string | null {
  const match = ENV_REFERENCE.exec(value.trim());
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/**
 * Validates the merged Linear provider map (nested `tracker.provider` over flat legacy keys).
 *
 * Keys: `api_key` (secret; `$NAME` or fallback `LINEAR_API_KEY`), `project_slug` (required),
 * `endpoint` (default {@link LINEAR_DEFAULT_ENDPOINT}), `assignee` (user id or `me`; fallback
 * `LINEAR_ASSIGNEE`), `request_timeout_ms` (positive integer, default 30000). A `$NAME` value is
 * read from `env`; an empty result means missing. Errors start with the key path, e.g.
 * `tracker.provider.project_slug is required for tracker.kind linear`.
 *
 * Other keys are ignored with a warning each (`tracker.provider.<key> is not a linear provider
 * key; ignored`) unless `options.warnUnknownKeys` is false: the Linear profile passes false, since
 * it declares {@link LINEAR_PROVIDER_KEYS} as its `providerKeys` and the config layer then warns
 * about unknown keys itself (with the file and a "did you mean").
 *
 * Implements spec §5.3.1 (adapter-owned provider keys), §6.1 step 4 and §15.3.
 */
export function validateLinearProvider(
  provider: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  options: { readonly warnUnknownKeys?: boolean } = {},
): ProviderValidation<LinearSettings> {
  const errors: ProviderIssue[] = [];
  const warnings: string[] = [];
  const invalid = (message: string): void => {
    errors.push({ code: 'invalid_tracker_config', message });
  };

  for (const key of options.warnUnknownKeys === false ? [] : Object.keys(provider)) {
    if (!(LINEAR_PROVIDER_KEYS as readonly string[]).includes(key)) {
      warnings.push(`tracker.provider.${key} is not a linear provider key; ignored`);
    }
  }

  const apiKey = resolveString(provider, 'api_key', env, LINEAR_API_KEY_ENV);
  const required = 'is required for tracker.kind linear';
  if (apiKey.kind === 'invalid') {
    invalid(apiKey.message);
  } else if (apiKey.kind === 'absent') {
    errors.push({
      code: 'missing_tracker_secret',
      message: `tracker.provider.api_key ${required} (set api_key: $${LINEAR_API_KEY_ENV} or export ${LINEAR_API_KEY_ENV})`,
    });
  } else if (apiKey.kind === 'empty') {
    const why = apiKey.envName === null ? 'it is blank' : `$${apiKey.envName} is unset or empty`;
    errors.push({ code: 'missing_tracker_secret', message: `tracker.provider.api_key ${required}: ${why}` });
  } else if (!/^[\t\x20-\x7e\x80-\xff]+$/.test(apiKey.value)) {
    invalid(
      `tracker.provider.api_key contains characters not allowed in an HTTP header (control or non-Latin-1)${apiKey.envName === null ? '' : `; check $${apiKey.envName}`}`,
    );
  } else if (apiKey.envName === null) {
    warnings.push(
      `tracker.provider.api_key is a literal credential in WORKFLOW.md; an agent with workspace access can read it (prefer $${LINEAR_API_KEY_ENV})`,
    );
  }

  const slug = resolveString(provider, 'project_slug', env, null);
  if (slug.kind === 'invalid') invalid(slug.message);
  else if (slug.kind === 'absent') invalid(`tracker.provider.project_slug ${required}`);
  else if (slug.kind === 'empty') {
    invalid(`tracker.provider.project_slug ${required}${slug.envName === null ? '' : `: $${slug.envName} is unset or empty`}`);
  }

  const endpoint = resolveEndpoint(resolveString(provider, 'endpoint', env, null));
  if (typeof endpoint !== 'string') invalid(endpoint.message);

  const assigneeValue = resolveString(provider, 'assignee', env, LINEAR_ASSIGNEE_ENV);
  let assignee: string | null = null;
  if (assigneeValue.kind === 'invalid') invalid(assigneeValue.message);
  else if (assigneeValue.kind === 'value') assignee = assigneeValue.value.toLowerCase() === 'me' ? 'me' : assigneeValue.value;
  else if (assigneeValue.kind === 'empty' && assigneeValue.envName !== null) {
    warnings.push(`tracker.provider.assignee: $${assigneeValue.envName} is unset or empty; issues are not routed by assignee`);
  }

  const timeout = resolveTimeout(provider.request_timeout_ms);
  if (typeof timeout !== 'number') invalid(timeout.message);

  if (errors.length > 0 || apiKey.kind !== 'value' || slug.kind !== 'value' || typeof endpoint !== 'string' || typeof timeout !== 'number') {
    return { errors, warnings };
  }
  const secretEnvNames = [LINEAR_API_KEY_ENV];
  if (apiKey.envName !== null && apiKey.envName !== LINEAR_API_KEY_ENV) secretEnvNames.push(apiKey.envName);
  return {
    settings: {
      apiKey: new SecretString(apiKey.value),
      projectSlug: slug.value,
      endpoint,
      assignee,
      requestTimeoutMs: timeout,
      secretEnvNames,
    },
    errors,
    warnings,
  };
}

/** A string key: omitted (→ optional env fallback), `$NAME`, or a literal; values are trimmed. */
function resolveString(
  provider: Readonly<Record<string, unknown>>,
  key: string,
  env: NodeJS.ProcessEnv,
  fallbackEnv: string | null,
): Resolved {
  const raw = provider[key];
  if (raw === undefined || raw === null) {
    if (fallbackEnv === null) return { kind: 'absent' };
    const fromEnv = (env[fallbackEnv] ?? '').trim();
    return fromEnv === '' ? { kind: 'absent' } : { kind: 'value', value: fromEnv, envName: fallbackEnv };
  }
  if (typeof raw !== 'string') {
    return { kind: 'invalid', message: `tracker.provider.${key} must be a string (got ${typeLabel(raw)})` };
  }
  const envName = envReferenceName(raw);
  const value = (envName === null ? raw : (env[envName] ?? '')).trim();
  return value === '' ? { kind: 'empty', envName } : { kind: 'value', value, envName };
}

function resolveEndpoint(resolved: Resolved): string | { message: string } {
  if (resolved.kind === 'absent') return LINEAR_DEFAULT_ENDPOINT;
  if (resolved.kind === 'invalid') return { message: resolved.message };
  if (resolved.kind === 'empty') return { message: 'tracker.provider.endpoint must be a non-empty URL' };
  let url: URL;
  try {
    url = new URL(resolved.value);
  } catch {
    return { message: `tracker.provider.endpoint must be a URL (got ${JSON.stringify(resolved.value.slice(0, 200))})` };
  }
  if (url.username !== '' || url.password !== '') {
    return { message: 'tracker.provider.endpoint must not embed credentials (user:password@)' };
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    return { message: `tracker.provider.endpoint must use https (http only for localhost), got ${url.protocol}//${url.host}` };
  }
  return url.toString();
}

function resolveTimeout(raw: unknown): number | { message: string } {
  if (raw === undefined || raw === null) return LINEAR_DEFAULT_REQUEST_TIMEOUT_MS;
  const value = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_TIMER_MS) return value;
  return { message: `tracker.provider.request_timeout_ms must be a positive integer of milliseconds, at most ${MAX_TIMER_MS} (got ${JSON.stringify(raw) ?? typeLabel(raw)})` };
}

function typeLabel(value: unknown): string {
  return Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'a map' : typeof value;
}

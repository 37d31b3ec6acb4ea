/**
 * What the config layer and the service need from a tracker adapter before one exists:
 * the adapter profile of spec §11.2 in code form.
 */
import type { Logger } from '../logging/logger.js';
import type { TrackerRequestObserver } from '../metrics/tracker-observer.js';
import type { TrackerAdapter } from './tracker.js';

/** Result of validating `tracker.provider` (spec §6.3 "the selected adapter accepts tracker.provider"). */
export interface ProviderValidation<Settings> {
  /** Present when there are no errors. */
  readonly settings?: Settings;
  /** One line each, naming the key path, e.g. `tracker.provider.project_slug is required`. */
  readonly errors: readonly ProviderIssue[];
  /** Non-fatal remarks (deprecated keys…). */
  readonly warnings: readonly string[];
}

/** One provider-config problem with its §11.4 category. */
export interface ProviderIssue {
  readonly code: 'invalid_tracker_config' | 'missing_tracker_secret';
  readonly message: string;
}

/** The generic tracker settings an adapter needs besides its own (e.g. terminal states for blocker rules). */
export interface TrackerScope {
  readonly activeStates: readonly string[];
  readonly terminalStates: readonly string[];
}

/** Runtime services an adapter may use; injected so tests can substitute them. */
export interface AdapterDeps {
  readonly logger: Logger;
  /** Monotonic-enough clock in ms; defaults to `Date.now`. */
  readonly now?: () => number;
  /** `fetch` implementation; defaults to the global one. */
  readonly fetch?: typeof fetch;
  /** Told about every HTTP request the adapter sends (request metrics); default: none. */
  readonly observer?: TrackerRequestObserver;
}

/**
 * A tracker kind this build supports. `validate` receives the merged provider map (nested
 * `tracker.provider` keys over the flat legacy `tracker.*` keys) and the process environment.
 */
export interface TrackerProfile<Settings = unknown> {
  /** Exact `tracker.kind` value. */
  readonly kind: string;
  /** Used when `tracker.active_states` is omitted. */
  readonly defaultActiveStates: readonly string[];
  /** Used when `tracker.terminal_states` is omitted. */
  readonly defaultTerminalStates: readonly string[];
  /** Provider keys that may also appear flat under `tracker` (legacy workflows). */
  readonly flatProviderKeys: readonly string[];
  /**
   * Every `tracker.provider` key the adapter reads. When given, the config layer warns once about
   * each other key written under `tracker.provider` (full dotted path, the workflow file, a "did
   * you mean" for near misses; spec §5.3: still ignored, never an error), so `validate` must not
   * warn about unknown keys itself. Absent: the config layer leaves provider keys to `validate`.
   */
  readonly providerKeys?: readonly string[];
  /** Validates and resolves `$VAR`/fallback env for the provider map; never throws. */
  validate(provider: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): ProviderValidation<Settings>;
  /** Secret env names the settings came from (removed from agent environments). */
  secretEnvironmentNames(settings: Settings): readonly string[];
  /** Builds an adapter bound to these settings and the effective state lists. */
  create(settings: Settings, scope: TrackerScope, deps: AdapterDeps): TrackerAdapter;
}

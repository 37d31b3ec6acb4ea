/**
 * One tracker adapter per effective tracker configuration. Reusing the instance while the tracker
 * config is unchanged keeps its cached viewer id and its rate-limit window (spec §11.2); a reload
 * that changes the tracker settings gets a fresh adapter for future reads. Sessions already running
 * keep the adapter bound when they started (spec §10.5).
 */
import type { ServiceConfig } from '../config/types.js';
import { SymphonyError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { TrackerRequestObserver } from '../metrics/tracker-observer.js';
import type { AdapterDeps, TrackerProfile } from '../tracker/profile.js';
import type { TrackerAdapter } from '../tracker/tracker.js';

/**
 * Returns a `trackerFor(config)` function that caches the adapter by tracker config.
 *
 * @param observer - passed to every adapter built (tracker request metrics); default: none.
 * @param deps - further adapter services (clock, `fetch`); `deps.observer` is overridden by `observer`.
 * @throws SymphonyError `unsupported_tracker_kind` (from the returned function) for an unknown `tracker.kind`.
 */
export function trackerCache(
  profiles: ReadonlyMap<string, TrackerProfile>,
  logger: Logger,
  observer?: TrackerRequestObserver,
  deps: Omit<AdapterDeps, 'logger'> = {},
): (config: ServiceConfig) => TrackerAdapter {
  let key: string | null = null;
  let adapter: TrackerAdapter | null = null;
  return (config) => {
    const t = config.tracker;
    const nextKey = JSON.stringify([t.kind, t.provider, t.activeStates, t.terminalStates]);
    if (adapter && key === nextKey) return adapter;
    const profile = profiles.get(t.kind);
    if (!profile) throw new SymphonyError('unsupported_tracker_kind', `tracker.kind "${t.kind}" is not supported`);
    adapter = profile.create(t.settings, { activeStates: t.activeStates, terminalStates: t.terminalStates }, {
      ...deps,
      ...(observer ? { observer } : {}),
      logger: logger.child({ component: 'tracker', tracker_kind: t.kind }),
    });
    key = nextKey;
    return adapter;
  };
}

/**
 * The tracker kinds this build supports (spec §5.3.1 `tracker.kind`, §11.2 adapter profiles).
 */
import { linearTrackerProfile } from './linear/profile.js';
import type { TrackerProfile } from './profile.js';

/**
 * `tracker.kind` → profile: `linear` only. Any other kind — including the in-memory `memory`
 * tracker, which exists in test support (`test/support/tracker-registry.ts`) and nowhere in the
 * build — fails config validation with `unsupported_tracker_kind`, naming the kind and this list.
 */
export const trackerProfiles: ReadonlyMap<string, TrackerProfile> = new Map<string, TrackerProfile>([
  [linearTrackerProfile.kind, linearTrackerProfile],
]);

/** The profile for an exact `tracker.kind` value, or undefined when unsupported. */
export function getTrackerProfile(kind: string): TrackerProfile | undefined {
  return trackerProfiles.get(kind);
}

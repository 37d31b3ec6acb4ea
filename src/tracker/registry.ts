/**
 * The tracker kinds this build supports (spec §5.3.1 `tracker.kind`, §11.2 adapter profiles).
 */
import { linearTrackerProfile } from './linear/profile.js';
import { memoryTrackerProfile } from './memory.js';
import type { TrackerProfile } from './profile.js';

/**
 * `tracker.kind` → profile: `linear` (production) and `memory` (TEST-ONLY in-memory store, see
 * `memory.ts`; never used against a real tracker).
 */
export const trackerProfiles: ReadonlyMap<string, TrackerProfile> = new Map<string, TrackerProfile>([
  [linearTrackerProfile.kind, linearTrackerProfile],
  [memoryTrackerProfile.kind, memoryTrackerProfile],
]);

/** The profile for an exact `tracker.kind` value, or undefined when unsupported. */
export function getTrackerProfile(kind: string): TrackerProfile | undefined {
  return trackerProfiles.get(kind);
}

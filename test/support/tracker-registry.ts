/**
 * The tracker registry for tests: every production profile (`src/tracker/registry.ts`) plus the
 * in-memory `memory` profile (`./memory-tracker.ts`), which production does not accept.
 */
import type { TrackerProfile } from '../../src/tracker/profile.js';
import { trackerProfiles } from '../../src/tracker/registry.js';
import { memoryTrackerProfile } from './memory-tracker.js';

/**
 * `tracker.kind` → profile for tests: the production kinds (the same profile objects, in the same
 * order) followed by `memory`. Pass it wherever a test loads or runs a `kind: memory` workflow:
 * `loadEffectiveWorkflow(file, { profiles: testTrackerProfiles, env })`,
 * `startService({ …, profiles: testTrackerProfiles })`, `runCheck(command, io, { profiles })`.
 */
export const testTrackerProfiles: ReadonlyMap<string, TrackerProfile> = new Map<string, TrackerProfile>([
  ...trackerProfiles,
  [memoryTrackerProfile.kind, memoryTrackerProfile],
]);

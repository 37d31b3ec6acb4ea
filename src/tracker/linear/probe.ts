/**
 * The Linear connectivity probe behind `symphony check`: two small reads with the configured key
 * — the viewer (who the key acts as) and the configured project (does `project_slug` name a
 * project this key can see?). Scheduling never calls it.
 */
import { SymphonyError } from '../../errors.js';
import type { TrackerProbeResult } from '../tracker.js';
import type { LinearGraphqlClient } from './client.js';

/** The key's own user: id, name and e-mail. No variables. */
export const PROBE_VIEWER_QUERY = `
query SymphonyProbeViewer {
  viewer { id name email }
}
`;

/** The project whose `slugId` is `$projectSlug` (at most one). Variables: `projectSlug: String!`. */
export const PROBE_PROJECT_QUERY = `
query SymphonyProbeProject($projectSlug: String!) {
  projects(filter: { slugId: { eq: $projectSlug } }, first: 1) {
    nodes { id name slugId }
  }
}
`;

/** The probe documents by operation name (tests validate them against Linear's schema). */
export const LINEAR_PROBE_DOCUMENTS: Readonly<Record<string, string>> = {
  SymphonyProbeViewer: PROBE_VIEWER_QUERY,
  SymphonyProbeProject: PROBE_PROJECT_QUERY,
};

/**
 * Reads the viewer, then the project named by `projectSlug`.
 *
 * @throws SymphonyError `tracker_request`, `tracker_status` (401: the key was rejected),
 *   `tracker_response` or `tracker_rate_limited` from either read (see `classify.ts`);
 *   `tracker_response` when the viewer is missing from the answer; `invalid_tracker_config` when no
 *   project with that `slugId` is visible to the key.
 *
 * Implements the Linear side of {@link import('../tracker.js').TrackerAdapter.probe}.
 */
export async function probeLinear(client: LinearGraphqlClient, projectSlug: string, signal?: AbortSignal): Promise<TrackerProbeResult> {
  const viewerData = await client.query(PROBE_VIEWER_QUERY, {}, 'SymphonyProbeViewer', signal);
  const viewer = record(viewerData.viewer);
  if (viewer === null) throw new SymphonyError('tracker_response', 'Linear answered SymphonyProbeViewer without a viewer object');
  const projectData = await client.query(PROBE_PROJECT_QUERY, { projectSlug }, 'SymphonyProbeProject', signal);
  const nodes = record(projectData.projects)?.nodes;
  if (!Array.isArray(nodes)) throw new SymphonyError('tracker_response', 'Linear answered SymphonyProbeProject without a projects.nodes list');
  const project = record(nodes[0]);
  if (project === null) {
    throw new SymphonyError(
      'invalid_tracker_config',
      `tracker.provider.project_slug ${JSON.stringify(projectSlug)} matches no Linear project visible to this API key`,
      { details: { project_slug: projectSlug } },
    );
  }
  return {
    viewer: { name: text(viewer.name), email: text(viewer.email) },
    scope: { kind: 'project', key: projectSlug, name: text(project.name) ?? projectSlug },
  };
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/**
 * The Linear tracker adapter (spec §11): wires settings, the gated GraphQL client, the reads and
 * the `linear_graphql` tool into one {@link TrackerAdapter}.
 */
import { normalizeStateName, type Issue } from '../../domain/issue.js';
import { SymphonyError } from '../../errors.js';
import type { AdapterDeps, TrackerScope } from '../profile.js';
import type { AgentToolSpec, ReadOptions, ToolContext, ToolResult, TrackerAdapter, TrackerProbeResult } from '../tracker.js';
import { LinearGraphqlClient } from './client.js';
import { linearConnection } from './connections.js';
import type { NormalizeContext } from './normalize.js';
import { probeLinear } from './probe.js';
import { VIEWER_QUERY } from './queries.js';
import { readIssuesByIds, readIssuesByStates, type ReadDeps } from './reads.js';
import type { LinearSettings } from './settings.js';
import { executeLinearTool, linearGraphqlToolSpec } from './tool.js';

/**
 * Builds a Linear adapter bound to `settings` and the effective state lists.
 *
 * Reads reject with `SymphonyError` codes `tracker_request`, `tracker_status`, `tracker_response`,
 * `tracker_pagination` or `tracker_rate_limited`. For `assignee: me` the viewer id is fetched
 * once per adapter (concurrent callers share the request; a failed lookup is retried next call).
 * `deps.now` drives the rate-limit window (default `Date.now`). The request queue and the
 * rate-limit window are shared by every adapter for the same endpoint and key (see
 * `linearConnection`); `deps.fetch` replaces `fetch` and gives the adapter a private connection.
 * `deps.observer` hears of every HTTP request the adapter sends (operation, duration, category).
 *
 * `probe` (for `symphony check`) reads the viewer and the configured project; see `probe.ts`.
 *
 * Implements spec §11.1, §11.2 and §10.5 for `tracker.kind: linear`.
 */
export function createLinearAdapter(settings: LinearSettings, scope: TrackerScope, deps: AdapterDeps): TrackerAdapter {
  const now = deps.now ?? Date.now;
  const logger = deps.logger.child({ tracker: 'linear' });
  const { transport, gate } = linearConnection(settings, now, deps.fetch, deps.observer);
  const client = new LinearGraphqlClient({ transport, gate, now, logger });
  const readDeps: ReadDeps = { client, projectSlug: settings.projectSlug, logger };
  const terminalStates = [...scope.terminalStates];
  let viewer: Promise<string> | null = null;

  const lookupViewer = async (): Promise<string> => {
    const data = await client.query(VIEWER_QUERY, {}, 'SymphonyViewer');
    const user = data.viewer;
    const id = typeof user === 'object' && user !== null ? (user as Record<string, unknown>).id : undefined;
    if (typeof id !== 'string' || id.trim() === '') {
      throw new SymphonyError('tracker_response', 'Linear answered SymphonyViewer without viewer.id (needed for assignee: me)');
    }
    return id;
  };

  const viewerId = (): Promise<string> => {
    if (viewer === null) {
      const pending = lookupViewer();
      viewer = pending;
      pending.catch(() => {
        if (viewer === pending) viewer = null;
      });
    }
    return viewer;
  };

  const normalizeContext = async (): Promise<NormalizeContext> => {
    const assigneeId = settings.assignee === 'me' ? await viewerId() : settings.assignee;
    return { terminalStates, assigneeId };
  };

  return {
    kind: 'linear',

    async fetchIssuesByStates(stateNames: readonly string[], options: ReadOptions = {}): Promise<Issue[]> {
      // One entry per state, compared as the scheduler compares them (trim + lowercase).
      const states = [...new Map(stateNames.filter((s) => s.trim() !== '').map((s) => [normalizeStateName(s), s.trim()])).values()];
      if (states.length === 0) return [];
      return readIssuesByStates(readDeps, states, await normalizeContext(), options.signal);
    },

    async fetchIssuesByIds(ids: readonly string[], options: ReadOptions = {}): Promise<Issue[]> {
      if (ids.length === 0) return [];
      return readIssuesByIds(readDeps, ids, await normalizeContext(), options.signal);
    },

    agentToolSpecs(): readonly AgentToolSpec[] {
      return [linearGraphqlToolSpec];
    },

    secretEnvironmentNames(): readonly string[] {
      return settings.secretEnvNames;
    },

    executeAgentTool(name: string, args: unknown, context: ToolContext): Promise<ToolResult> {
      return executeLinearTool(name, args, context, { client, apiKey: settings.apiKey, logger });
    },

    probe(options: ReadOptions = {}): Promise<TrackerProbeResult> {
      return probeLinear(client, settings.projectSlug, options.signal);
    },
  };
}

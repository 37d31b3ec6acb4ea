/**
 * Review findings on the service wiring (src/service/service.ts) and the orchestrator shell, with
 * the real service on the in-memory tracker and the idle app-server fixture.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startService } from '../../src/service/service.js';
import { shellQuote } from '../support/codex.js';
import { IDLE_AGENT, NODE_BIN } from '../support/daemon.js';
import { memoryTrackerFor } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';
import { LogSink, memoryWorkflowFrontMatter, useServiceCleanup, writeWorkflow } from '../conformance/support.js';

const { dirs, services } = useServiceCleanup();

const IDLE_COMMAND = `exec ${shellQuote(NODE_BIN)} ${shellQuote(IDLE_AGENT)} idle`;

describe('review: service wiring (src/service/service.ts)', () => {
  it('a terminal issue whose workspace was created before a workspace.root reload still gets its workspace removed (§8.5, §6.2)', async () => {
    const dir = await dirs.make();
    const rootA = path.join(dir, 'root-a');
    const rootB = path.join(dir, 'root-b');
    await mkdir(rootB, { recursive: true });
    const store = `review-root-${path.basename(dir)}`;
    const tracker = memoryTrackerFor(store);
    tracker.upsertIssue({ identifier: 'SYM-1', id: 'id-1', state: 'In Progress' });
    const frontMatter = (root: string): string[] => memoryWorkflowFrontMatter({ root, store, command: IDLE_COMMAND });
    const workflowPath = await writeWorkflow(dir, frontMatter(rootA));
    const sink = new LogSink();
    const service = await startService({ workflowPath, logger: sink.logger(), env: process.env, profiles: testTrackerProfiles });
    services.push(service);
    await sink.waitFor((l) => l.msg === 'app-server stderr' && String(l.line).includes('idle-agent: turn started'), 'the agent turn to start');
    const workspace = path.join(rootA, 'SYM-1');
    expect(existsSync(workspace)).toBe(true);

    // The operator moves future workspaces elsewhere (§6.2: applies to future workspace operations).
    await writeWorkflow(dir, frontMatter(rootB));
    await sink.waitFor((l) => l.msg === 'workflow reloaded', 'the reload');
    // The issue is finished: reconciliation stops the run and must clean its workspace (§8.5).
    tracker.upsertIssue({ identifier: 'SYM-1', id: 'id-1', state: 'Done' });
    service.orchestrator.requestRefresh();
    await sink.waitFor((l) => l.msg === 'workspace removed' || l.msg === 'workspace removal failed', 'the terminal cleanup');

    expect(sink.named('workspace removal failed')).toEqual([]);
    expect(existsSync(workspace)).toBe(false);
  });
});

/**
 * §17.6 conformance: what an operator sees. The real service (workflow store, orchestrator, worker
 * composition, workspace hooks, app-server client) runs against the in-memory tracker and the
 * recording fake app-server; assertions are on the structured log lines it writes.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { startService, type RunningService } from '../../src/service/service.js';
import { memoryTrackerFor } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';
import { LogSink, memoryWorkflowFrontMatter, useServiceCleanup, writeWorkflow } from './support.js';

const { dirs, services } = useServiceCleanup();

interface ServiceSetup {
  readonly dir: string;
  readonly root: string;
  readonly workflowPath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly store: string;
  frontMatter(extra?: readonly string[]): string[];
}

/** A workflow on the memory tracker store `store`, the recording app-server, an empty HOME. */
async function serviceSetup(extra: readonly string[] = []): Promise<ServiceSetup> {
  const dir = await dirs.make();
  const home = await dirs.make('symphony-conf-home-');
  const root = path.join(dir, 'workspaces');
  const store = `conformance-${path.basename(dir)}`;
  const frontMatter = (more: readonly string[] = extra): string[] => memoryWorkflowFrontMatter({ root, store, maxTurns: 1, extra: more });
  const workflowPath = await writeWorkflow(dir, frontMatter());
  const env = { ...process.env, HOME: home, REC_FILE: path.join(dir, 'records.jsonl') };
  return { dir, root, workflowPath, env, store, frontMatter };
}

async function start(setup: ServiceSetup, logger: Logger): Promise<RunningService> {
  const service = await startService({ workflowPath: setup.workflowPath, logger, env: setup.env, profiles: testTrackerProfiles });
  services.push(service);
  return service;
}

describe('§17.6 observability (conformance)', () => {
  it('§17.6 validation failures are operator-visible: an invalid reload and the skipped dispatch are logged with the file and key path; the last good config stays in force', async () => {
    const setup = await serviceSetup();
    const sink = new LogSink();
    const service = await start(setup, sink.logger());
    await sink.waitFor((l) => l.msg === 'startup terminal workspace cleanup', 'startup');

    await writeFile(setup.workflowPath, `---\n${setup.frontMatter(['hooks:', '  timeout_ms: -5']).join('\n')}\n---\nWork.\n`);
    const problem = `${setup.workflowPath}: hooks.timeout_ms must be a positive integer (got -5)`;
    const rejected = await sink.waitFor((l) => l.msg === 'workflow reload rejected; keeping the last known good configuration', 'the reload rejection');
    expect(rejected).toMatchObject({ level: 'error', workflow_path: setup.workflowPath, error: `invalid_config: ${problem}` });
    expect(service.store.current().config.hooks.timeoutMs).toBe(60_000);
    // Issue 7 item 5: the status surfaces say dispatch is paused, and why.
    expect(service.status.snapshot().dispatch).toMatchObject({ state: 'paused', reason: `invalid_config: ${problem}` });
    expect(service.status.snapshot().dispatch.summary).toMatch(/^dispatch: paused — WORKFLOW\.md invalid since \d{4}-\d\d-\d\dT[\d:.]+Z: invalid_config: /);

    memoryTrackerFor(setup.store).upsertIssue({ identifier: 'SYM-1' });
    const from = sink.lines.length;
    service.orchestrator.requestRefresh();
    const skipped = await sink.waitFor(
      (l) => l.msg === 'dispatch paused: the workflow file is invalid; running agents go on' && sink.lines.indexOf(l) >= from,
      'the skipped dispatch of a tick that saw SYM-1',
    );
    expect(skipped).toMatchObject({ level: 'error', outcome: 'paused', reason: `invalid_config: ${problem}` });
    expect(sink.named('dispatch started')).toEqual([]);
  });

  it('§17.6 structured logging includes issue/session context fields (a real worker run: dispatch, hooks, turn, exit, retry)', async () => {
    const setup = await serviceSetup(['hooks:', '  after_create: "true"', '  before_run: "true"', '  after_run: "true"']);
    const issue = memoryTrackerFor(setup.store).upsertIssue({ identifier: 'SYM-1', id: 'opaque-issue-1', title: 'Log me' });
    const sink = new LogSink();
    await start(setup, sink.logger());
    await sink.waitFor((l) => l.msg === 'retry scheduled', 'the continuation retry');
    await services.pop()!.stop(8000);

    // Orchestrator (dispatch, exit, retry), worker (turn) and hook lines all name the issue.
    const issueLines = sink.lines.filter((l) => ['dispatch started', 'hook started', 'hook completed', 'turn completed', 'worker exited', 'retry scheduled'].includes(l.msg));
    expect(new Set(issueLines.map((l) => l.msg)).size).toBe(6);
    for (const line of issueLines) {
      expect({ msg: line.msg, issue_id: line.issue_id, issue_identifier: line.issue_identifier }).toEqual({ msg: line.msg, issue_id: issue.id, issue_identifier: 'SYM-1' });
    }
    expect(issueLines.filter((l) => l.msg === 'hook completed').map((l) => l.hook)).toEqual(['after_create', 'before_run', 'after_run']);
    // Coding-agent session lifecycle lines carry the session id (<thread_id>-<turn_id>).
    for (const msg of ['turn completed', 'worker exited']) {
      expect(sink.named(msg)).toMatchObject([{ session_id: 'thread-c-turn-1' }]);
    }
    expect(sink.named('worker exited')[0]).toMatchObject({ outcome: 'completed' });
  });

  it('§17.6 logging sink failures do not crash orchestration: an unusable logs root warns on the remaining sink and the daemon keeps working', async () => {
    const setup = await serviceSetup();
    const notADirectory = path.join(setup.dir, 'logs-is-a-file');
    await writeFile(notADirectory, 'in the way');
    const sink = new LogSink();
    for (const logsRoot of [notADirectory, path.join(notADirectory, 'below')]) {
      let logger: Logger | undefined;
      expect(() => {
        logger = createLogger({ logsRoot, stdout: sink.stream, level: 'debug' });
      }).not.toThrow();
      expect(sink.lines.at(-1)).toMatchObject({ level: 'warn', msg: 'log file sink unavailable; logging to stdout only', logs_root: logsRoot, err: expect.stringMatching(/EEXIST|ENOTDIR/) });
      expect(logger).toBeDefined();
    }
    const logger = createLogger({ logsRoot: notADirectory, stdout: sink.stream, level: 'debug' });
    memoryTrackerFor(setup.store).upsertIssue({ identifier: 'SYM-1' });
    const service = await start(setup, logger);
    const exited = await sink.waitFor((l) => l.msg === 'worker exited', 'a worker run to finish');
    expect(exited).toMatchObject({ issue_identifier: 'SYM-1', outcome: 'completed' });
    expect(await services.pop()!.stop(8000)).toBe(true);
    expect(service.orchestrator.current.running.size).toBe(0);
    expect(existsSync(path.join(notADirectory, 'symphony.log'))).toBe(false);
  });
});

/**
 * §17.6 conformance cases that FAIL on the current code (kept out of the committed set; see the
 * conformance report): an asynchronous log-file failure, and cleanup log lines without issue_id.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.js';
import { startService } from '../../src/service/service.js';
import { memoryTrackerFor } from '../support/memory-tracker.js';
import { testTrackerProfiles } from '../support/tracker-registry.js';
import { LogSink, memoryWorkflowFrontMatter, useServiceCleanup, writeWorkflow } from './support.js';

const { dirs, services } = useServiceCleanup();

describe('§17.6 (known failures)', () => {
  it('§17.6 logging sink failures do not crash orchestration: a log file that cannot be opened (EISDIR/EACCES) warns once and later log calls never throw', async () => {
    const logsRoot = await dirs.make();
    await mkdir(path.join(logsRoot, 'symphony.log')); // open() of the log file fails asynchronously
    const sink = new LogSink();
    const logger = createLogger({ logsRoot, stdout: sink.stream, level: 'debug' });
    logger.info('before the sink failed');
    await sink.waitFor((l) => l.msg === 'log file sink failed; logging to stdout only', 'the sink failure warning');
    expect(() => logger.info('after the sink failed')).not.toThrow();
    expect(sink.named('after the sink failed')).toHaveLength(1);
  });

  it('§17.6 logging sink failures are operator-visible: a log file that stops accepting writes (ENOSPC) warns on stdout', async () => {
    const logsRoot = await dirs.make();
    await symlink('/dev/full', path.join(logsRoot, 'symphony.log'));
    const sink = new LogSink();
    const logger = createLogger({ logsRoot, stdout: sink.stream, level: 'debug' });
    logger.info('first line');
    const warning = await sink.waitFor((l) => l.msg === 'log file sink failed; logging to stdout only', 'the sink failure warning');
    expect(warning).toMatchObject({ level: 'warn', logs_root: logsRoot, err: expect.stringContaining('ENOSPC') });
    expect(() => logger.info('still logging')).not.toThrow();
    expect(sink.named('still logging')).toHaveLength(1);
  });

  it('§17.6 structured logging includes issue context fields on every issue line: workspace manager lines and cleanup (startup sweep, terminal transition) included', async () => {
    const dir = await dirs.make();
    const home = await dirs.make('symphony-conf-home-');
    const root = path.join(dir, 'workspaces');
    const store = `conformance-${path.basename(dir)}`;
    const workflowPath = await writeWorkflow(dir, memoryWorkflowFrontMatter({
      root,
      store,
      extra: ['hooks:', '  before_remove: "echo \\"$SYMPHONY_ISSUE_ID\\" > \\"$SYMPHONY_WORKSPACE/../removed-$SYMPHONY_ISSUE_IDENTIFIER.txt\\""'],
    }));
    const done = memoryTrackerFor(store).upsertIssue({ identifier: 'SYM-9', id: 'opaque-9', state: 'Done' });
    await mkdir(path.join(root, 'SYM-9'), { recursive: true });
    await writeFile(path.join(root, 'SYM-9', 'work.txt'), 'old work');
    const active = memoryTrackerFor(store).upsertIssue({ identifier: 'SYM-1', id: 'opaque-1', state: 'Todo' });
    const sink = new LogSink();
    services.push(await startService({ workflowPath, logger: sink.logger(), env: { ...process.env, HOME: home }, profiles: testTrackerProfiles }));
    // Startup sweep of a terminal issue's workspace.
    await sink.waitFor((l) => l.msg === 'workspace removed' && l.issue_identifier === 'SYM-9', 'the startup sweep');
    expect(await readFile(path.join(root, 'removed-SYM-9.txt'), 'utf8')).toBe(`${done.id}\n`);
    // Terminal transition: SYM-1 runs once, goes Done, and its continuation retry cleans up.
    await sink.waitFor((l) => l.msg === 'retry scheduled' && l.issue_identifier === 'SYM-1', 'the continuation retry');
    memoryTrackerFor(store).upsertIssue({ ...active, state: 'Done' });
    await sink.waitFor((l) => l.msg === 'workspace removed' && l.issue_identifier === 'SYM-1', 'the terminal cleanup');
    expect(await readFile(path.join(root, 'removed-SYM-1.txt'), 'utf8')).toBe(`${active.id}\n`);
    const ids = new Map([['SYM-9', done.id], ['SYM-1', active.id]]);
    for (const line of sink.lines.filter((l) => 'issue_identifier' in l)) {
      expect({ msg: line.msg, issue_id: line.issue_id }).toEqual({ msg: line.msg, issue_id: ids.get(String(line.issue_identifier)) });
    }
  });
});

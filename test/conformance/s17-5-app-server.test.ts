/**
 * §17.5 conformance: the app-server client as the worker composes it (launch, read timeout,
 * provider-native tools), against the recording fake app-server and the fake Linear API, all on
 * this machine. Complements test/runner/*.test.ts, which cover the session in isolation.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { startAppServerSession } from '../../src/runner/app-server/session.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { trackerCache } from '../../src/service/tracker-cache.js';
import { trackerProfiles } from '../../src/tracker/registry.js';
import type { ToolContext } from '../../src/tracker/tracker.js';
import { workspaceLocation } from '../../src/workspace/manager.js';
import { shellQuote } from '../support/codex.js';
import { startFakeLinear } from '../support/fake-linear/index.js';
import { MemoryTracker, memoryIssue } from '../support/memory-tracker.js';
import {
  LogSink,
  NODE_BIN,
  RECORDING_SERVER,
  loadWorkflow,
  memoryWorkflowFrontMatter,
  readRecords,
  receivedParams,
  recordingCommand,
  runOneWorker,
  useServiceCleanup,
  writeWorkflow,
} from './support.js';

const { dirs, closeAfter } = useServiceCleanup();

/** A temp dir with an empty HOME (login shells then skip the machine's profile) and a record file. */
async function sandbox(): Promise<{ dir: string; root: string; recFile: string; env: NodeJS.ProcessEnv }> {
  const dir = await dirs.make();
  const home = await dirs.make('symphony-conf-home-');
  const recFile = path.join(dir, 'records.jsonl');
  return { dir, root: path.join(dir, 'workspaces'), recFile, env: { ...process.env, HOME: home, REC_FILE: recFile } };
}

const dynamicToolNames = (params: Record<string, unknown> | undefined): string[] =>
  ((params?.dynamicTools ?? []) as { name: string }[]).map((tool) => tool.name);

describe('§17.5 coding-agent app-server client (conformance)', () => {
  it('§17.5 launch command uses workspace cwd and invokes bash -lc <codex.command>', async () => {
    const s = await sandbox();
    const evidence = path.join(s.dir, 'evidence.txt');
    // The command itself reports how it was started, then becomes the app-server.
    const command = [
      `printf '%s\\n' "$(shopt -q login_shell && echo login-shell)" "$BASH" "$(pwd -P)" > ${shellQuote(evidence)}`,
      `printf '%s' "$BASH_EXECUTION_STRING" > ${shellQuote(`${evidence}.command`)}`,
      `exec ${shellQuote(NODE_BIN)} ${shellQuote(RECORDING_SERVER)} ok`,
    ].join('; ');
    const file = await writeWorkflow(s.dir, memoryWorkflowFrontMatter({ root: s.root, command, maxTurns: 1 }));
    const workflow = await loadWorkflow(file, s.env);
    const issue = memoryIssue({ identifier: 'ABC/7 fix', id: 'issue-7' });
    const run = await runOneWorker({ workflow, tracker: new MemoryTracker({ issues: [issue] }), issue, env: s.env, logger: silentLogger() });

    expect(run.outcome).toEqual({ ok: true, exit: 'turns_exhausted' });
    const expectedCwd = workspaceLocation(s.root, 'ABC/7 fix').path;
    expect(run.workspacePaths).toEqual([expectedCwd]);
    const [loginShell, bash, cwd] = (await readFile(evidence, 'utf8')).split('\n');
    expect(loginShell).toBe('login-shell'); // -l
    expect(path.basename(bash ?? '')).toBe('bash');
    expect(cwd).toBe(expectedCwd);
    // -c: the shell's command string is codex.command itself (after the secret `unset` line).
    expect(await readFile(`${evidence}.command`, 'utf8')).toMatch(new RegExp(`(^|\\n)${escapeRegExp(command)}$`));
    const start = readRecords(s.recFile).find((entry) => entry.kind === 'start');
    expect(start?.kind === 'start' ? start.cwd : null).toBe(expectedCwd);
    expect(receivedParams(readRecords(s.recFile), 'thread/start')).toMatchObject({ cwd: expectedCwd });
  });

  it('§17.5 request/response read timeout is enforced after startup too (thread/name/set and turn/start)', async () => {
    const s = await sandbox();
    const sink = new LogSink();
    const events: AgentEvent[] = [];
    const workspace = path.join(s.root, 'ABC-1');
    await mkdir(workspace, { recursive: true });
    const session = await startAppServerSession({
      command: recordingCommand('silent-turn'),
      workspacePath: workspace,
      workspaceRoot: s.root,
      env: s.env,
      secretEnvNames: [],
      approvalPolicy: 'never',
      threadSandbox: 'workspace-write',
      turnSandboxPolicy: null,
      readTimeoutMs: 1500,
      turnTimeoutMs: 60_000,
      tools: [],
      executeTool: () => Promise.resolve({ success: false, text: 'no tools' }),
      onEvent: (event) => events.push(event),
      logger: sink.logger(),
    });
    try {
      await expect(session.runTurn({ text: 'Fix ABC-1', title: 'ABC-1: Fix it' })).rejects.toMatchObject({
        code: 'response_timeout',
        message: expect.stringContaining('turn/start'),
      });
    } finally {
      await session.stop();
    }
    // The title request timed out first; that is logged and the turn went on to turn/start.
    expect(sink.named('could not set the thread name; continuing')[0]).toMatchObject({
      level: 'warn',
      error: expect.stringMatching(/^response_timeout: app-server did not answer thread\/name\/set/),
    });
    expect(events.filter((event) => event.event === 'turn_ended_with_error').map((event) => event.message)).toEqual([
      expect.stringMatching(/^response_timeout: .*turn\/start/),
    ]);
    const methods = readRecords(s.recFile).flatMap((entry) => (entry.kind === 'recv' && entry.message.method ? [entry.message.method] : []));
    expect(methods).toEqual(['initialize', 'initialized', 'thread/start', 'thread/name/set', 'turn/start']);
  });

  it('§17.5 provider-native agent tools: only the selected adapter\'s tools are advertised; valid inputs execute host-side with configured adapter auth; tracker secrets are not inherited by the agent', async () => {
    const s = await sandbox();
    const apiKey = 'lin_api_CONFORMANCE_0123456789abcdef';
    const linear = closeAfter(await startFakeLinear({ apiKey, projectSlug: 'conf-proj' }));
    const stored = linear.addIssue({ identifier: 'SYM-1', title: 'Use the tool', state: 'Todo' });
    const env = { ...s.env, CONF_LINEAR_KEY: apiKey, LINEAR_API_KEY: apiKey };
    const file = await writeWorkflow(s.dir, [
      'tracker:',
      '  kind: linear',
      '  provider:',
      '    api_key: $CONF_LINEAR_KEY',
      '    project_slug: conf-proj',
      `    endpoint: ${JSON.stringify(linear.url)}`,
      'workspace:',
      `  root: ${JSON.stringify(s.root)}`,
      'agent:',
      '  max_turns: 1',
      'codex:',
      `  command: ${JSON.stringify(recordingCommand('tool', 'linear_graphql', JSON.stringify({ query: 'query Me { viewer { id name } }' })))}`,
    ]);
    const workflow = await loadWorkflow(file, env);
    const tracker = trackerCache(trackerProfiles, silentLogger())(workflow.config);
    const [issue] = await tracker.fetchIssuesByIds([stored.id]);
    const run = await runOneWorker({ workflow, tracker, issue: issue!, env, logger: silentLogger() });

    expect(run.outcome).toEqual({ ok: true, exit: 'turns_exhausted' });
    const records = readRecords(s.recFile);
    expect(dynamicToolNames(receivedParams(records, 'thread/start'))).toEqual(['linear_graphql']);
    const toolResult = records.find((entry) => entry.kind === 'tool-result');
    const result = toolResult?.kind === 'tool-result' ? toolResult.response.result : undefined;
    expect(result).toMatchObject({ success: true, contentItems: [{ type: 'inputText', text: expect.stringContaining('"user-me"') }] });
    expect(linear.requests.filter((request) => request.operationName === 'Me')).toMatchObject([{ authorized: true, rawAuthorization: true }]);
    expect(run.events.some((event) => event.event === 'tool_call_completed')).toBe(true);
    // The agent process got neither the key nor the names it is configured under.
    const start = records.find((entry) => entry.kind === 'start');
    const agentEnv = start?.kind === 'start' ? start.env : {};
    expect(agentEnv).not.toHaveProperty('CONF_LINEAR_KEY');
    expect(agentEnv).not.toHaveProperty('LINEAR_API_KEY');
    expect(JSON.stringify(agentEnv)).not.toContain(apiKey);
    expect(JSON.stringify(records)).not.toContain(apiKey);
  });

  it('§17.5 provider-native agent tools: the current normalized issue and native_ref are available as internal tool context', async () => {
    const s = await sandbox();
    const lookup = { name: 'lookup_ticket', description: 'Look up the current ticket', inputSchema: { type: 'object', properties: {} } };
    const contexts: ToolContext['issue'][] = [];
    const tracker: MemoryTracker = new MemoryTracker({
      tools: [lookup],
      toolHandler: (_name, _args, context) => {
        contexts.push(context.issue);
        // The ticket changes while the agent works; the next turn's tool call must see the change.
        tracker.upsertIssue({ ...context.issue, title: `Renamed after call ${contexts.length}` });
        return { success: true, text: `ticket ${String(context.issue.nativeRef?.ticket_id)}` };
      },
    });
    const issue = tracker.upsertIssue({ identifier: 'SYM-5', id: 'opaque-dispatch-5', title: 'Original', nativeRef: { ticket_id: 'T-5', board_item_id: 'B-9' } });
    const file = await writeWorkflow(s.dir, memoryWorkflowFrontMatter({ root: s.root, command: recordingCommand('tool', 'lookup_ticket', '{}'), maxTurns: 2 }));
    const workflow = await loadWorkflow(file, s.env);
    const run = await runOneWorker({ workflow, tracker, issue, env: s.env, logger: silentLogger() });

    expect(run.outcome).toEqual({ ok: true, exit: 'turns_exhausted' });
    expect(dynamicToolNames(receivedParams(readRecords(s.recFile), 'thread/start'))).toEqual(['lookup_ticket']);
    expect(contexts.map((c) => [c.id, c.identifier, c.title, c.nativeRef])).toEqual([
      ['opaque-dispatch-5', 'SYM-5', 'Original', { ticket_id: 'T-5', board_item_id: 'B-9' }],
      ['opaque-dispatch-5', 'SYM-5', 'Renamed after call 1', { ticket_id: 'T-5', board_item_id: 'B-9' }],
    ]);
    const results = readRecords(s.recFile).flatMap((entry) => (entry.kind === 'tool-result' ? [entry.response.result] : []));
    expect(results).toEqual([
      { success: true, contentItems: [{ type: 'inputText', text: 'ticket T-5' }] },
      { success: true, contentItems: [{ type: 'inputText', text: 'ticket T-5' }] },
    ]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

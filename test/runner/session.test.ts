/**
 * The app-server session against a scripted fake app-server (test/runner/fixtures), for the cases
 * the real binary cannot produce deterministically. Every message the client sends is validated
 * against the Codex 0.169 schema.
 */
import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { liveGroupCount } from '../../src/process/group.js';
import { startAppServerSession, type AppServerSession, type AppServerSessionOptions } from '../../src/runner/app-server/session.js';
import { REPO_ROOT } from '../support/codex.js';
import { loadClientMessageValidator, type ClientMessageValidator, type ProtocolTranscript } from '../support/codex-schema.js';
import { EventLog, fakeServerCommand, groupAlive, makeWorkspace, processAlive, sessionOptions, type TestWorkspace } from './helpers.js';
import { ManualClock } from '../support/manual-clock.js';

let schema: ClientMessageValidator;
beforeAll(async () => {
  schema = await loadClientMessageValidator();
});

let ws: TestWorkspace;
let log: EventLog;
let transcript: ProtocolTranscript;
const sessions: AppServerSession[] = [];

beforeEach(async () => {
  ws = await makeWorkspace();
  log = new EventLog();
  transcript = schema.transcript();
});

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.stop()));
  expect(transcript.errors()).toEqual([]);
  await ws.cleanup();
});

async function start(overrides: Partial<AppServerSessionOptions> = {}): Promise<AppServerSession> {
  const session = await startAppServerSession(sessionOptions(ws, log, { onSend: transcript.sent, onReceive: transcript.received, ...overrides }));
  sessions.push(session);
  return session;
}

const turn = { text: 'Fix ABC-1', title: 'ABC-1: Fix the thing' };

describe('§17.5 app-server session (fake app-server)', () => {
  it('§17.5 launches via bash -lc in the workspace, handshakes, and emits session_started with <thread>-<turn>', async () => {
    const session = await start();
    expect(session.threadId).toBe('thread-1'); // not the look-alike line printed on stderr
    expect(session.pid).toBeGreaterThan(0);
    const outcome = await session.runTurn(turn);
    expect(outcome).toEqual({ turnId: 'turn-1', sessionId: 'thread-1-turn-1', status: 'completed', approvalsRejected: 0 });

    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(transcript.sentMessages[0]?.params).toEqual({ clientInfo: { name: 'symphony-ts', version: pkg.version }, capabilities: { experimentalApi: true } });
    const sent = transcript.sentMessages.map((message) => message.method ?? 'response');
    expect(sent).toEqual(['initialize', 'initialized', 'thread/start', 'thread/name/set', 'turn/start']);
    const canonical = await realpath(ws.workspace);
    expect(transcript.sentMessages[2]?.params).toMatchObject({ cwd: canonical, approvalPolicy: 'never', sandbox: 'workspace-write' });
    expect(transcript.sentMessages[3]?.params).toEqual({ threadId: 'thread-1', name: turn.title });
    expect(transcript.sentMessages[4]?.params).toMatchObject({
      threadId: 'thread-1',
      input: [{ type: 'text', text: turn.text }],
      cwd: canonical,
      sandboxPolicy: { type: 'workspaceWrite', writableRoots: [canonical] },
    });

    const started = log.named('session_started');
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ sessionId: 'thread-1-turn-1', threadId: 'thread-1', turnId: 'turn-1', codexAppServerPid: session.pid });
    expect(log.named('turn_completed')).toHaveLength(1);
    expect(log.named('notification').map((event) => event.method)).toContain('item/started');
    // Every event carries its structured activity (issue 7 item 7).
    expect(log.named('notification').find((event) => event.method === 'item/started')?.activity).toEqual({ kind: 'message', phase: 'started', tool: null, command: null, detail: null });
    expect(started[0]?.activity).toMatchObject({ kind: 'turn', phase: 'started' });
    expect(log.named('token_usage_updated')[0]?.activity).toMatchObject({ kind: 'internal' });
    expect(log.named('turn_completed')[0]?.activity).toMatchObject({ kind: 'turn', phase: 'completed' });
  });

  it('continuation turns reuse the thread, emit turn_started, and set the title only when it changes', async () => {
    const session = await start();
    await session.runTurn(turn);
    const second = await session.runTurn({ text: 'Continue', title: turn.title });
    expect(second.sessionId).toBe('thread-1-turn-2');
    expect(log.named('turn_started').map((event) => event.sessionId)).toEqual(['thread-1-turn-2']);
    expect(transcript.sentMessages.filter((message) => message.method === 'thread/name/set')).toHaveLength(1);
    const turnStarts = transcript.sentMessages.filter((message) => message.method === 'turn/start');
    expect(turnStarts.map((message) => (message.params as { threadId: string }).threadId)).toEqual(['thread-1', 'thread-1']);
  });

  it('§17.5 stderr is diagnostics only: protocol-looking stderr lines are never parsed', async () => {
    const session = await start();
    await session.runTurn(turn);
    expect(log.named('malformed')).toEqual([]);
    expect(session.threadId).toBe('thread-1');
  });

  it('initialize gets the startup allowance from launch (response_timeout naming codex.startup_timeout_ms, startup_failed, no process left)', async () => {
    await expect(start({ command: fakeServerCommand('silent-init'), readTimeoutMs: 60_000, startupTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'response_timeout',
      message: expect.stringContaining('codex.startup_timeout_ms'),
    });
    expect(log.named('startup_failed')).toHaveLength(1);
    expect(liveGroupCount()).toBe(0);
  });

  it('§17.5 request/response read timeout is enforced during startup after initialize (thread/start)', async () => {
    await expect(start({ command: fakeServerCommand('silent-thread-start'), readTimeoutMs: 300, startupTimeoutMs: 60_000 })).rejects.toMatchObject({
      code: 'response_timeout',
      message: expect.stringContaining('thread/start'),
    });
    expect(log.named('startup_failed')).toHaveLength(1);
    expect(liveGroupCount()).toBe(0);
  });

  it('the session takes its timers and timestamps from the injected clock', async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const startup = start({ command: fakeServerCommand('silent-thread-start'), readTimeoutMs: 5_000, startupTimeoutMs: 60_000, clock });
    // initialize is answered; thread/start is not: its read timeout is a timer on this clock.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (clock.pending().some((timer) => timer.delayMs === 5_000)) {
          off();
          resolve();
        }
      };
      const off = clock.onChange(check);
      check();
    });
    clock.advance(4_999);
    clock.advance(1);
    await expect(startup).rejects.toMatchObject({ code: 'response_timeout', message: expect.stringContaining('thread/start') });
    expect(log.named('startup_failed')[0]?.timestamp.toISOString()).toBe('2030-01-01T00:00:05.000Z');
  });

  it('§17.5 turn timeout is enforced as a silence timer (turn_timeout)', async () => {
    const session = await start({ command: fakeServerCommand('turn-silence'), turnTimeoutMs: 300 });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'turn_timeout' });
    expect(log.named('turn_ended_with_error')).toHaveLength(1);
  });

  it('a turn/completed that overtakes the turn/start response still ends our turn; other turns are ignored', async () => {
    const session = await start({ command: fakeServerCommand('completed-before-response') });
    await expect(session.runTurn(turn)).resolves.toMatchObject({ turnId: 'turn-1', status: 'completed' });
  });

  it('subprocess exit mid-turn fails the turn with port_exit naming the exit code', async () => {
    const session = await start({ command: fakeServerCommand('exit-mid-turn') });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'port_exit', message: expect.stringContaining('code 3') });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'port_exit' });
  });

  it.each([
    ['failed', 'turn_failed', 'model provider returned 500'],
    ['interrupted', 'turn_cancelled', 'interrupted'],
  ] as const)('turn/completed with status %s → %s', async (scenario, code, text) => {
    const session = await start({ command: fakeServerCommand(scenario) });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code, message: expect.stringContaining(text) });
    expect(log.named(code)).toHaveLength(1);
    expect(log.named('turn_ended_with_error')).toEqual([]);
  });

  it('§13.5 token usage comes from tokenUsage.total as a per-field high-water mark, ignoring last', async () => {
    const session = await start({ command: fakeServerCommand('tokens') });
    await session.runTurn(turn);
    expect(log.named('token_usage_updated').map((event) => event.usage)).toEqual([
      { inputTokens: 100, outputTokens: 10, totalTokens: 110 },
      { inputTokens: 300, outputTokens: 20, totalTokens: 320 },
      { inputTokens: 300, outputTokens: 30, totalTokens: 320 },
    ]);
  });

  it('§17.5 rate-limit telemetry is extracted', async () => {
    const session = await start();
    await session.runTurn(turn);
    expect(log.named('rate_limits_updated').map((event) => event.rateLimits)).toEqual([{ limitId: 'codex', primary: { usedPercent: 42 } }]);
  });

  it.each([
    ['never', 'acceptForSession', 'approval_auto_approved', 0],
    ['untrusted', 'decline', 'approval_rejected', 2],
  ] as const)('§17.5 every server request gets one answer (approval policy %s)', async (approvalPolicy, decision, approvalEvent, rejected) => {
    const calls: unknown[] = [];
    const session = await start({
      command: fakeServerCommand('requests'),
      approvalPolicy,
      tools: [{ name: 'echo', description: 'Echo', inputSchema: { type: 'object' } }],
      executeTool: (name, args) => {
        calls.push({ name, args });
        return Promise.resolve({ success: true, text: 'echoed hi' });
      },
    });
    const outcome = await session.runTurn(turn);
    expect(outcome.approvalsRejected).toBe(rejected);
    expect(calls).toEqual([{ name: 'echo', args: { say: 'hi' } }]);

    const answers = transcript.sentMessages.filter((message) => message.method === undefined);
    const byId = new Map(answers.map((message) => [message.id, message]));
    expect(answers).toHaveLength(5);
    expect(byId.get('srv-unknown')).toMatchObject({ error: { code: -32601 } });
    expect(byId.get(0)).toEqual({ id: 0, result: { decision } });
    expect(byId.get(1)).toEqual({ id: 1, result: { decision } });
    expect(byId.get(2)).toEqual({ id: 2, result: { success: true, contentItems: [{ type: 'inputText', text: 'echoed hi' }] } });
    expect(byId.get(3)).toMatchObject({ id: 3, result: { success: false } });
    expect(log.named(approvalEvent)).toHaveLength(2);
    expect(log.named('unsupported_tool_call')).toHaveLength(1);
    expect(log.named('tool_call_completed')).toHaveLength(1);
    expect(log.named('tool_call_completed')[0]?.activity).toEqual({ kind: 'tool', phase: 'completed', tool: 'echo', command: null, detail: null });
    expect(log.named('unsupported_tool_call')[0]?.activity).toMatchObject({ kind: 'tool', phase: 'failed' });
  });

  it('§17.5 user input requests are answered and end the turn with turn_input_required (no stall)', async () => {
    const session = await start({ command: fakeServerCommand('user-input-then-silence') });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'turn_input_required' });
    expect(log.named('turn_input_required')).toHaveLength(1);
    expect(transcript.sentMessages).toContainEqual({ id: 0, result: { answers: {} } });
  });

  it('malformed lines, non-JSON-RPC JSON and unmatched responses are reported without breaking the turn', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const session = await start({ command: fakeServerCommand('noise'), logger });
    await expect(session.runTurn(turn)).resolves.toMatchObject({ status: 'completed' });
    expect(log.named('malformed')).toHaveLength(1);
    expect(log.named('other_message')).toHaveLength(1);
    expect(lines.map((line) => JSON.parse(line) as { msg: string; request_id?: unknown })).toContainEqual(
      expect.objectContaining({ msg: 'app-server answered an unknown request id', request_id: 999 }),
    );
  });

  it('an onEvent sink that throws cannot break the client', async () => {
    const session = await start({
      onEvent: () => {
        throw new Error('sink exploded');
      },
    });
    await expect(session.runTurn(turn)).resolves.toMatchObject({ status: 'completed' });
  });

  it('rejects a second concurrent turn', async () => {
    const session = await start({ command: fakeServerCommand('turn-silence') });
    const first = expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'port_exit' });
    await expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'internal' });
    await session.stop();
    await first;
  });

  it('stop() during a running turn rejects it with port_exit, kills the group, and is idempotent', async () => {
    const session = await start({ command: fakeServerCommand('turn-silence') });
    const running = expect(session.runTurn(turn)).rejects.toMatchObject({ code: 'port_exit' });
    await log.waitFor('session_started');
    const pid = session.pid!;
    expect(groupAlive(pid)).toBe(true);
    await Promise.all([session.stop(), session.stop()]);
    await running;
    expect(groupAlive(pid)).toBe(false);
    await session.stop();
  });

  it('stop() also kills descendants that left the process group', async () => {
    const received: unknown[] = [];
    const session = await start({
      command: fakeServerCommand('detached-child'),
      onReceive: (message) => {
        received.push(message);
        transcript.received(message);
      },
    });
    await session.runTurn(turn);
    const note = received.find((message) => (message as { method?: string }).method === 'fixture/detached') as { params: { pid: number } };
    const childPid = note.params.pid;
    expect(processAlive(childPid)).toBe(true);
    await session.stop();
    expect(groupAlive(session.pid!)).toBe(false);
    expect(processAlive(childPid)).toBe(false);
  });
});

describe('§17.5 launch safety', () => {
  it.each([
    ['outside the root', (w: TestWorkspace) => Promise.resolve(path.dirname(w.root))],
    ['the root itself', (w: TestWorkspace) => Promise.resolve(w.root)],
    ['a symlink escaping the root', async (w: TestWorkspace) => {
      const link = path.join(w.root, 'escape');
      await symlink(path.dirname(w.root), link);
      return link;
    }],
    ['missing', (w: TestWorkspace) => Promise.resolve(path.join(w.root, 'nope'))],
  ])('refuses a workspace that is %s before launching anything (invalid_workspace_cwd)', async (_label, pick) => {
    const workspacePath = await pick(ws);
    await expect(start({ workspacePath })).rejects.toMatchObject({ code: 'invalid_workspace_cwd' });
    expect(log.named('startup_failed')).toHaveLength(1);
    expect(liveGroupCount()).toBe(0);
    expect(transcript.sentMessages).toEqual([]);
  });

  it('a command that does not exist → codex_not_found', async () => {
    await expect(start({ command: 'definitely-not-codex-4242 app-server' })).rejects.toMatchObject({ code: 'codex_not_found' });
    expect(log.named('startup_failed')[0]?.message).toContain('codex_not_found');
  });

  it('a stray "command not found" on stderr (a login profile, say) does not turn a startup failure into codex_not_found', async () => {
    await expect(start({ command: "echo 'rbenv: command not found' >&2; exit 1" })).rejects.toMatchObject({ code: 'port_exit' });
  });

  it('§15.3 secrets are removed from the agent env even when the login profile re-exports them', async () => {
    const home = path.join(ws.root, 'home');
    await mkdir(home);
    await writeFile(path.join(home, '.bash_profile'), 'export LINEAR_API_KEY=from-profile\nexport PROFILE_WAS_READ=yes\n');
    const envFile = path.join(ws.root, 'agent-env.json');
    const env = { ...process.env, HOME: home, LINEAR_API_KEY: 'lin_parent_secret', FAKE_ENV_FILE: envFile };
    const session = await start({ env, secretEnvNames: ['LINEAR_API_KEY', 'bad name'] });
    await session.runTurn(turn);
    const agentEnv = JSON.parse(await readFile(envFile, 'utf8')) as Record<string, string>;
    expect(agentEnv.PROFILE_WAS_READ).toBe('yes');
    expect(agentEnv).not.toHaveProperty('LINEAR_API_KEY');
    expect(JSON.stringify(agentEnv)).not.toContain('lin_parent_secret');
  });
});

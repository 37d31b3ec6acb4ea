/**
 * The ACP runtime with the real OpenCode (`opencode acp`, npm `opencode-ai`, checked with 1.18.33)
 * against a fake OpenAI-compatible Chat Completions API, offline.
 *
 * OpenCode is not a dev dependency (see `test/support/opencode.ts`): the suite installs the pinned
 * version from the npm registry on first use, or runs `OPENCODE_BIN`.
 *
 * What makes it work offline (all in {@link opencodeCommand}):
 * - an empty `HOME` (and the `XDG_*` directories under it): config, SQLite DB, logs, locks;
 * - the provider in `OPENCODE_CONFIG_CONTENT`: `npm: "@ai-sdk/openai-compatible"` (bundled in
 *   the binary, nothing is installed) with `options.baseURL` the fake, and `model: "fake/fake-model"`;
 * - `OPENCODE_DISABLE_MODELS_FETCH=1` (no models.dev fetch; a bundled snapshot is used) and
 *   `OPENCODE_DISABLE_AUTOUPDATE=1`;
 * - a pre-seeded `$XDG_CONFIG_HOME/opencode/{node_modules/,package-lock.json}` naming
 *   `@opencode-ai/plugin`: otherwise OpenCode starts a background `npm install @opencode-ai/plugin`
 *   in that directory at every start (it does not block the session; offline it just fails).
 * - `permission.bash: "ask"`: OpenCode's default is to run its shell tool without asking, so no
 *   `session/request_permission` is sent and `acp.approval_policy` never applies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from '../support/wait.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { startAcpSession, type AcpSession, type AcpSessionOptions } from '../../src/runner/acp/session.js';
import { shellQuote } from '../support/codex.js';
import { ensureOpenCode } from '../support/opencode.js';
import { startFakeOpenAi, type ChatStep, type FakeOpenAi } from '../support/fake-openai/index.js';
import { descendantPids, EventLog, groupAlive, perTestSession, processAlive, type TestWorkspace } from './helpers.js';

/** Set in `beforeAll` (installed on first use). */
let OPENCODE_BIN = '';

/** The `acp.command` running `opencode acp` against the fake with an isolated `home`. */
function opencodeCommand(baseUrl: string, home: string): string {
  const config = {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
    permission: { bash: 'ask' },
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake',
        options: { baseURL: baseUrl, apiKey: 'fake-openai-key' },
        models: { 'fake-model': { name: 'Fake model', tool_call: true, limit: { context: 100_000, output: 4_096 } } },
      },
    },
  };
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_STATE_HOME: path.join(home, '.local', 'state'),
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
  };
  return [...Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)}`), shellQuote(OPENCODE_BIN), 'acp'].join(' ');
}

/** An empty `HOME` whose OpenCode config directory already "has" `@opencode-ai/plugin` installed. */
async function makeOpencodeHome(): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'symphony-opencode-home-'));
  const configDir = path.join(home, '.config', 'opencode');
  await mkdir(path.join(configDir, 'node_modules'), { recursive: true });
  await writeFile(path.join(configDir, 'package-lock.json'), JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': '*' } } } }));
  return home;
}

/** What the scripted model does at step 0 of a turn whose input starts with a key of this map. */
const FIRST_STEPS: Readonly<Record<string, ChatStep>> = {
  'Write the file': { type: 'tool_call', name: 'bash', args: { command: 'echo hi > out.txt', description: 'write out.txt' } },
  'Run in the foreground': { type: 'tool_call', name: 'bash', args: { command: 'sleep 611', description: 'long runner' } },
  'Start a server': { type: 'tool_call', name: 'bash', args: { command: 'sleep 612 > /dev/null 2>&1 &', description: 'background runner' } },
};

describe('ACP runtime with the real opencode acp, offline', () => {
  let model: FakeOpenAi;
  let home: string;
  beforeAll(async () => {
    OPENCODE_BIN = await ensureOpenCode();
    model = await startFakeOpenAi((request) => {
      const key = Object.keys(FIRST_STEPS).find((prefix) => request.lastUserText.startsWith(prefix));
      return request.stepInTurn === 0 && key !== undefined ? FIRST_STEPS[key]! : { type: 'text', text: 'done' };
    });
    home = await makeOpencodeHome();
  });
  afterAll(async () => {
    expect(model.otherRequests).toEqual([]);
    await model.close();
    await rm(home, { recursive: true, force: true });
  });

  let ws: TestWorkspace;
  let log: EventLog;
  const sessions: AcpSession[] = [];
  perTestSession(sessions, (fresh) => ({ ws, log } = fresh));

  async function start(overrides: Partial<AcpSessionOptions> = {}): Promise<AcpSession> {
    const session = await startAcpSession({
      command: opencodeCommand(model.baseUrl, home),
      workspacePath: ws.workspace,
      workspaceRoot: ws.root,
      env: { ...process.env },
      secretEnvNames: [],
      authMethod: null,
      approvalPolicy: 'allow',
      readTimeoutMs: 30_000,
      turnTimeoutMs: 30_000,
      tools: [],
      executeTool: () => Promise.resolve({ success: false, text: 'none' }),
      onEvent: log.sink,
      logger: silentLogger(),
      ...overrides,
    });
    sessions.push(session);
    return session;
  }

  it('completes a text turn (stop reason end_turn) talking only to the fake', async () => {
    const began = Date.now();
    const session = await start();
    const startupMs = Date.now() - began;
    expect(startupMs).toBeLessThan(20_000);
    const before = model.requests.length;
    const turnBegan = Date.now();
    await session.runTurn({ text: 'Say done.', title: 'ABC-1: text' });
    const turnMs = Date.now() - turnBegan;
    expect(model.requests.length).toBe(before + 1);
    expect(model.requests.at(-1)?.toolNames).toContain('bash');
    expect(log.named('token_usage_updated').at(-1)?.usage?.totalTokens).toBeGreaterThan(0);
    console.info(`opencode acp: startup (spawn → session/new answered) ${startupMs} ms, text turn ${turnMs} ms`);
  }, 60_000);

  it('asks permission for its shell tool (permission.bash "ask"); approval_policy allow runs it', async () => {
    const session = await start();
    await session.runTurn({ text: 'Write the file.', title: 'ABC-1: file' });
    expect(readFileSync(path.join(ws.workspace, 'out.txt'), 'utf8')).toBe('hi\n');
    expect(log.named('approval_auto_approved')).toHaveLength(1);
    // OpenCode's first `tool_call` update carries only the tool name (title "bash", rawInput {cwd});
    // the command arrives in the following `tool_call_update`.
    const commands = log.named('notification').flatMap((event) => (event.activity?.kind === 'command' ? [event.activity.command] : []));
    expect(commands).toContain('echo hi > out.txt');
    expect(model.requests.at(-1)?.toolResults.length).toBe(1);
  }, 60_000);

  it('approval_policy deny rejects the shell tool: the command does not run', async () => {
    const session = await start({ approvalPolicy: 'deny' });
    await session.runTurn({ text: 'Write the file.', title: 'ABC-1: denied' }).catch((error: unknown) => console.info(`opencode acp denied turn: ${String(error)}`));
    expect(existsSync(path.join(ws.workspace, 'out.txt'))).toBe(false);
    expect(log.named('approval_rejected')).toHaveLength(1);
  }, 60_000);

  /** PIDs of live processes whose command line is exactly `line`. */
  function pidsRunning(line: string): number[] {
    return readdirSync('/proc').flatMap((entry) => {
      if (!/^\d+$/.test(entry)) return [];
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim() === line ? [Number(entry)] : [];
      } catch {
        return [];
      }
    });
  }

  it('stop during a turn ends the running shell command and leaves no process behind', async () => {
    const session = await start();
    const turn = session.runTurn({ text: 'Run in the foreground.', title: 'ABC-1: foreground' }).catch((error: unknown) => error);
    await log.waitFor('notification', (event) => event.activity?.kind === 'command' && event.activity.command === 'sleep 611');
    let sleeping: number[] = [];
    for (let i = 0; i < 50 && sleeping.length === 0; i += 1) {
      sleeping = pidsRunning('sleep 611');
      if (sleeping.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(sleeping).toHaveLength(1);
    const pid = session.pid ?? 0;
    const tree = descendantPids(pid);
    const stopping = Date.now();
    await session.stop();
    const stopMs = Date.now() - stopping;
    await turn;
    expect(groupAlive(pid)).toBe(false);
    expect(tree.filter(processAlive)).toEqual([]);
    expect(sleeping.filter(processAlive)).toEqual([]);
    console.info(`opencode acp stop mid-command: ${stopMs} ms, ${tree.length} descendant processes reaped`);
  }, 60_000);

  it('a background command that left the tree (OpenCode runs each shell command in its own session) is still ended by stop: it carries the launch marker', async () => {
    const session = await start();
    await session.runTurn({ text: 'Start a server.', title: 'ABC-1: server' });
    const escaped = pidsRunning('sleep 612');
    try {
      expect(escaped).toHaveLength(1);
      // setsid: its own session and process group, reparented to init once the tool's shell exits.
      const stat = readFileSync(`/proc/${escaped[0]}/stat`, 'latin1').split(') ')[1]!.split(' ');
      expect(Number(stat[1])).not.toBe(session.pid);
      expect(descendantPids(session.pid ?? 0)).not.toContain(escaped[0]);
      expect(readFileSync(`/proc/${escaped[0]}/environ`, 'latin1')).toContain('SYMPHONY_AGENT_SESSION=');
      await session.stop();
      await eventually(() => escaped.filter(processAlive).length === 0, 'the detached command to be gone', 5_000);
    } finally {
      for (const pid of escaped.filter(processAlive)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000);
});

/**
 * End-to-end setup for the ACP runtime with the real Gemini CLI (`gemini --acp`, the pinned dev
 * dependency): a temp directory with a workspace root, a markers directory the hooks write to, an
 * empty HOME for the daemon and another for Gemini, the fake Linear and the scripted fake Gemini
 * API, and a WORKFLOW.md with `agent.runtime: acp`. The hooks are the Codex harness's
 * (`harness.ts`): `before_remove` copies `result.txt` and `agent-env.txt` out of the workspace.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon, type Daemon } from '../support/daemon.js';
import { geminiCommand, startFakeGemini, type FakeGemini, type GeminiScript } from '../support/fake-gemini/index.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { LINEAR_KEY, type WorkflowKnobs } from './harness.js';

export { LINEAR_KEY } from './harness.js';

/** Knobs of the generated WORKFLOW.md (the Codex harness's, with the ACP posture). */
export interface GeminiWorkflowKnobs extends Pick<WorkflowKnobs, 'prompt' | 'pollMs' | 'maxTurns' | 'operatorTimeoutMs' | 'serverPort'> {
  /** `acp.approval_policy`. Default `allow` (the shell tool's permission requests are auto-approved). */
  readonly approvalPolicy?: 'allow' | 'ask' | 'deny';
}

/** One end-to-end environment for the ACP runtime. */
export interface GeminiE2E {
  readonly dir: string;
  readonly root: string;
  readonly markers: string;
  readonly workflowPath: string;
  readonly linear: FakeLinear;
  readonly gemini: FakeGemini;
  /** The daemon's whole environment (PATH, an empty HOME, the tracker key, the test-run marker). */
  readonly env: NodeJS.ProcessEnv;
  daemon: Daemon | null;
  /** Starts `symphony <WORKFLOW.md>`. */
  start(): Daemon;
  /** Starts `symphony check <WORKFLOW.md>`. */
  check(): Daemon;
  /** Contents of a file in the markers directory, or null. */
  marker(name: string): Promise<string | null>;
  /** Kills what is left of the daemon, stops the fakes, removes the directory. */
  dispose(): Promise<void>;
}

/** The default prompt: names the issue id so the script can move the issue. */
export const GEMINI_PROMPT = 'Work on {{ issue.identifier }} (issue id {{ issue.id }}): {{ issue.title }}. attempt={{ attempt }}';

function workflowText(k: GeminiWorkflowKnobs, o: { linearUrl: string; root: string; markers: string; command: string }): string {
  const lines = [
    'tracker:',
    '  kind: linear',
    '  provider:',
    '    api_key: $LINEAR_API_KEY',
    '    project_slug: e2e-proj',
    `    endpoint: ${o.linearUrl}`,
    '  active_states: [Todo, In Progress]',
    '  terminal_states: [Done, Canceled]',
    'polling:',
    `  interval_ms: ${k.pollMs ?? 300}`,
    'workspace:',
    `  root: ${JSON.stringify(o.root)}`,
    'hooks:',
    '  after_create: |',
    `    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${o.markers}/after_create.log`,
    '  after_run: |',
    `    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${o.markers}/after_run.log`,
    '  before_remove: |',
    `    cp -f result.txt ${o.markers}/result.txt 2>/dev/null || true`,
    `    cp -f agent-env.txt ${o.markers}/agent-env.txt 2>/dev/null || true`,
    `    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${o.markers}/before_remove.log`,
    'agent:',
    '  runtime: acp',
    `  max_turns: ${k.maxTurns ?? 3}`,
    ...(k.operatorTimeoutMs === undefined ? [] : [`  operator_timeout_ms: ${k.operatorTimeoutMs}`]),
    'acp:',
    `  command: ${JSON.stringify(o.command)}`,
    '  auth_method: gemini-api-key',
    `  approval_policy: ${k.approvalPolicy ?? 'allow'}`,
    ...(k.serverPort === undefined ? [] : ['server:', `  port: ${k.serverPort}`]),
  ];
  return `---\n${lines.join('\n')}\n---\n${k.prompt ?? GEMINI_PROMPT}\n`;
}

/** Creates the environment around `script` (the fake Gemini API's model). */
export async function setupGeminiE2E(script: GeminiScript, knobs: GeminiWorkflowKnobs = {}): Promise<GeminiE2E> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-e2e-gemini-'));
  const root = path.join(dir, 'workspaces');
  const markers = path.join(dir, 'markers');
  const home = path.join(dir, 'home');
  const geminiHome = path.join(dir, 'gemini-home');
  await Promise.all([mkdir(markers), mkdir(home), mkdir(geminiHome)]);
  const linear = await startFakeLinear({ apiKey: LINEAR_KEY, projectSlug: 'e2e-proj' });
  const gemini = await startFakeGemini(script);
  // Gemini CLI starts the daemon's MCP server (linear_graphql) only in a trusted folder.
  const command = geminiCommand({ baseUrl: gemini.baseUrl, home: geminiHome, env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' } });
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  await writeFile(workflowPath, workflowText(knobs, { linearUrl: linear.url, root, markers, command }));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LINEAR_API_KEY: LINEAR_KEY, SYMPHONY_TEST_RUN: process.env.SYMPHONY_TEST_RUN };

  const e2e: GeminiE2E = {
    dir,
    root,
    markers,
    workflowPath,
    linear,
    gemini,
    env,
    daemon: null,
    start: () => {
      e2e.daemon = startDaemon([workflowPath], { env, cwd: dir });
      return e2e.daemon;
    },
    check: () => {
      e2e.daemon = startDaemon(['check', workflowPath], { env, cwd: dir });
      return e2e.daemon;
    },
    marker: async (name) => readFile(path.join(markers, name), 'utf8').catch(() => null),
    dispose: async () => {
      await e2e.daemon?.destroy();
      await gemini.close();
      await linear.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return e2e;
}

/**
 * Shared setup for end-to-end tests: a temp directory with a workspace root, a markers directory
 * that hooks write to, an empty HOME (so login shells skip the machine's profile), a CODEX_HOME,
 * the fake Linear and the scripted model, and a WORKFLOW.md pointing the real Codex binary at them.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codexCommand, makeCodexHome, type CodexHome } from '../support/codex.js';
import { startFakeLinear, type FakeLinear } from '../support/fake-linear/index.js';
import { startFakeModel, type FakeModel, type ModelScript } from '../support/fake-model/index.js';
import { startDaemon, type Daemon } from '../support/daemon.js';

export const LINEAR_KEY = 'lin_api_e2e_secret_0123456789';

/** Knobs of the generated WORKFLOW.md. */
export interface WorkflowKnobs {
  readonly prompt?: string;
  readonly pollMs?: number;
  readonly stallMs?: number;
  readonly maxTurns?: number;
  readonly maxBackoffMs?: number;
  /** `codex.approval_policy` (YAML scalar). Default: the daemon's default. */
  readonly approvalPolicy?: string;
  /** `agent.operator_timeout_ms`. */
  readonly operatorTimeoutMs?: number;
  /** `server.port` (0 = ephemeral); absent: no `server` section. */
  readonly serverPort?: number;
}

/** One end-to-end environment. */
export interface E2E {
  readonly dir: string;
  readonly root: string;
  readonly markers: string;
  readonly workflowPath: string;
  readonly linear: FakeLinear;
  readonly model: FakeModel;
  readonly env: NodeJS.ProcessEnv;
  daemon: Daemon | null;
  writeWorkflow(knobs?: WorkflowKnobs): Promise<void>;
  /** Starts the CLI on the workflow with `args` after the path. */
  start(args?: readonly string[]): Daemon;
  marker(name: string): Promise<string | null>;
  dispose(): Promise<void>;
}

/** Creates the environment; the caller provides the model script. */
export async function setupE2E(script: ModelScript, knobs: WorkflowKnobs = {}): Promise<E2E> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-e2e-'));
  const root = path.join(dir, 'workspaces');
  const markers = path.join(dir, 'markers');
  const home = path.join(dir, 'home');
  await Promise.all([mkdir(markers), mkdir(home)]);
  const codexHome: CodexHome = await makeCodexHome();
  const linear = await startFakeLinear({ apiKey: LINEAR_KEY, projectSlug: 'e2e-proj' });
  const model = await startFakeModel(script);
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  const command = codexCommand({ modelBaseUrl: model.baseUrl, codexHome: codexHome.path });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LINEAR_API_KEY: LINEAR_KEY,
    SYMPHONY_TEST_RUN: process.env.SYMPHONY_TEST_RUN,
  };

  const writeWorkflow = async (k: WorkflowKnobs = knobs): Promise<void> => {
    const text = `---
tracker:
  kind: linear
  provider:
    api_key: $LINEAR_API_KEY
    project_slug: e2e-proj
    endpoint: ${linear.url}
  active_states: [Todo, In Progress]
  terminal_states: [Done, Canceled]
polling:
  interval_ms: ${k.pollMs ?? 300}
workspace:
  root: ${JSON.stringify(root)}
hooks:
  after_create: |
    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${markers}/after_create.log
  after_run: |
    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${markers}/after_run.log
  before_remove: |
    cp -f result.txt ${markers}/result.txt 2>/dev/null || true
    cp -f agent-env.txt ${markers}/agent-env.txt 2>/dev/null || true
    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${markers}/before_remove.log
agent:
  max_turns: ${k.maxTurns ?? 3}
  max_retry_backoff_ms: ${k.maxBackoffMs ?? 300000}
${k.operatorTimeoutMs === undefined ? '' : `  operator_timeout_ms: ${k.operatorTimeoutMs}\n`}codex:
  command: ${JSON.stringify(command)}
  read_timeout_ms: 30000
  stall_timeout_ms: ${k.stallMs ?? 300000}
${k.approvalPolicy === undefined ? '' : `  approval_policy: ${k.approvalPolicy}\n`}${k.serverPort === undefined ? '' : `server:\n  port: ${k.serverPort}\n`}---
${k.prompt ?? 'Work on {{ issue.identifier }} (issue id {{ issue.id }}): {{ issue.title }}. attempt={{ attempt }}'}
`;
    await writeFile(workflowPath, text);
  };
  await writeWorkflow();

  const e2e: E2E = {
    dir,
    root,
    markers,
    workflowPath,
    linear,
    model,
    env,
    daemon: null,
    writeWorkflow,
    start: (args = []) => {
      e2e.daemon = startDaemon([workflowPath, ...args], { env, cwd: dir });
      return e2e.daemon;
    },
    marker: async (name) => readFile(path.join(markers, name), 'utf8').catch(() => null),
    dispose: async () => {
      await e2e.daemon?.destroy();
      await model.close();
      await linear.close();
      await codexHome.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return e2e;
}

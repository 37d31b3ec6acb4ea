/**
 * End-to-end setup for the Claude Code runtime (issue 8 "Tests"): the environment of
 * {@link setupE2E} (temp directory, workspace root, markers, empty HOME, fake Linear, the scripted
 * Codex model) plus a scripted fake Anthropic Messages server, with the daemon's environment
 * carrying `ANTHROPIC_BASE_URL` / `ANTHROPIC_API_KEY`, and a WORKFLOW.md of its own: `claude.*`
 * always, `agent.runtime` as asked, and a `codex.command` running the real Codex binary against
 * the fake model for runs that stay on the default runtime.
 */
import { writeFile } from 'node:fs/promises';
import { codexCommand, makeCodexHome } from '../support/codex.js';
import { startFakeAnthropic, type AnthropicScript, type FakeAnthropic } from '../support/fake-anthropic/index.js';
import type { Daemon } from '../support/daemon.js';
import type { ModelScript, ModelStep } from '../support/fake-model/index.js';
import { setupE2E, type E2E } from './harness.js';

/** The API key the daemon hands Claude Code (the fake server accepts any). */
export const ANTHROPIC_TEST_KEY = 'sk-ant-e2e-not-a-secret';

/** Knobs of the generated WORKFLOW.md. */
export interface ClaudeWorkflowKnobs {
  /** `agent.runtime` (default `claude`); null leaves the key out, so the daemon's default (codex) applies. */
  readonly runtime?: string | null;
  /** `claude.approval_policy`. Default `allow`. */
  readonly approvalPolicy?: 'ask' | 'allow' | 'deny';
  readonly maxTurns?: number;
  /** `polling.interval_ms`. Default 300. */
  readonly pollMs?: number;
  /** `server.port` (0 = ephemeral); absent: no `server` section. */
  readonly serverPort?: number;
  readonly prompt?: string;
}

/**
 * One Claude end-to-end environment: {@link E2E} (without `writeWorkflow`, which writes the Codex
 * workflow) plus the fake Anthropic server.
 */
export interface ClaudeE2E extends Omit<E2E, 'writeWorkflow' | 'daemon'> {
  readonly anthropic: FakeAnthropic;
  /** The daemon of the last `start()`. */
  readonly daemon: Daemon | null;
}

/** The Codex model script when the test gives none: every Codex turn stays open. */
const hangingCodex: ModelScript = (): ModelStep => ({ type: 'hang' });

/**
 * Creates the environment and writes its workflow; the caller starts the daemon with `start()`
 * and disposes it in `afterEach`.
 *
 * @param claude - the Anthropic model's script.
 * @param codex - the Codex model's script (default: every turn hangs).
 */
export async function setupClaudeE2E(claude: AnthropicScript, knobs: ClaudeWorkflowKnobs = {}, codex: ModelScript = hangingCodex): Promise<ClaudeE2E> {
  const base = await setupE2E(codex);
  const anthropic = await startFakeAnthropic(claude);
  const codexHome = await makeCodexHome();
  base.env.ANTHROPIC_BASE_URL = anthropic.baseUrl;
  base.env.ANTHROPIC_API_KEY = ANTHROPIC_TEST_KEY;
  const runtime = knobs.runtime === undefined ? 'claude' : knobs.runtime;
  const text = `---
tracker:
  kind: linear
  provider:
    api_key: $LINEAR_API_KEY
    project_slug: e2e-proj
    endpoint: ${base.linear.url}
  active_states: [Todo, In Progress]
  terminal_states: [Done, Canceled]
polling:
  interval_ms: ${knobs.pollMs ?? 300}
workspace:
  root: ${JSON.stringify(base.root)}
hooks:
  after_create: |
    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${base.markers}/after_create.log
  after_run: |
    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${base.markers}/after_run.log
  before_remove: |
    cp -f result.txt ${base.markers}/result.txt 2>/dev/null || true
    cp -f agent-env.txt ${base.markers}/agent-env.txt 2>/dev/null || true
    echo "$SYMPHONY_ISSUE_IDENTIFIER" >> ${base.markers}/before_remove.log
agent:
${runtime === null ? '' : `  runtime: ${runtime}\n`}  max_turns: ${knobs.maxTurns ?? 1}
claude:
  approval_policy: ${knobs.approvalPolicy ?? 'allow'}
codex:
  command: ${JSON.stringify(codexCommand({ modelBaseUrl: base.model.baseUrl, codexHome: codexHome.path }))}
  read_timeout_ms: 30000
${knobs.serverPort === undefined ? '' : `server:\n  port: ${knobs.serverPort}\n`}---
${knobs.prompt ?? 'Work on {{ issue.identifier }} (issue id {{ issue.id }}): {{ issue.title }}. attempt={{ attempt }}'}
`;
  await writeFile(base.workflowPath, text);
  return {
    dir: base.dir,
    root: base.root,
    markers: base.markers,
    workflowPath: base.workflowPath,
    linear: base.linear,
    model: base.model,
    env: base.env,
    anthropic,
    get daemon() {
      return base.daemon;
    },
    start: (args) => base.start(args),
    marker: (name) => base.marker(name),
    dispose: async () => {
      await base.daemon?.destroy();
      await anthropic.close();
      await base.dispose();
      await codexHome.cleanup();
    },
  };
}

/**
 * The runner contract suite (issue 8 item 1): the same behaviour checks against every runtime
 * profile, with a fake of its protocol or the real binary. A subject says how to configure its
 * runtime for the two scripted situations the suite needs; the suite drives the profile only
 * through `RuntimeProfile.start` and the `WorkerSession` it returns.
 *
 * 1. `completing`: every turn the agent is asked to do completes, reporting token usage.
 * 2. `approval` (optional): the first turn asks for an approval of a command, then completes once
 *    the approval is answered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/config/types.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { silentLogger } from '../../src/logging/logger.js';
import type { RuntimeProfile, RuntimeStartRequest } from '../../src/runner/runtime.js';
import type { WorkerSession } from '../../src/runner/worker.js';
import { EventLog, makeWorkspace, type TestWorkspace } from './helpers.js';

/** What the suite needs to know about one runtime. */
export interface ContractSubject {
  /** Shown in test names, e.g. `codex (fake app-server)`. */
  readonly name: string;
  readonly profile: RuntimeProfile;
  /** A config whose agent completes every turn (with token usage). */
  completing(ws: TestWorkspace): ServiceConfig | Promise<ServiceConfig>;
  /** A config whose agent asks for a command approval in its first turn; absent: not covered. */
  approval?(ws: TestWorkspace): ServiceConfig | Promise<ServiceConfig>;
  /** Checks the effect of the accepted approval once the turn completed (the command ran); absent: not checked. */
  afterApproval?(ws: TestWorkspace): void | Promise<void>;
  /** Whether the agent reports token usage (some runtimes only report it at the turn's end). Default true. */
  readonly reportsUsage?: boolean;
  /** Bound on each wait of the suite, ms (a real binary needs more). Default 30000. */
  readonly timeoutMs?: number;
  /** Variables added to the agent's base environment (e.g. a fake provider's URL); read at each start. Default none. */
  environment?(): Readonly<Record<string, string>>;
}

/** Registers the contract tests for `subject` (call at the top level of a test file). */
export function describeRuntimeContract(subject: ContractSubject): void {
  const timeout = subject.timeoutMs ?? 30_000;
  describe(`runner contract: ${subject.name}`, () => {
    const sessions: WorkerSession[] = [];
    const workspaces: TestWorkspace[] = [];
    afterEach(async () => {
      for (const session of sessions.splice(0)) await session.stop();
      for (const ws of workspaces.splice(0)) await ws.cleanup();
    });

    async function start(config: (ws: TestWorkspace) => ServiceConfig | Promise<ServiceConfig>, overrides: Partial<RuntimeStartRequest> = {}) {
      const ws = await makeWorkspace();
      workspaces.push(ws);
      const log = new EventLog();
      const request: RuntimeStartRequest = {
        config: { ...(await config(ws)), workspaceRoot: ws.root },
        workspacePath: ws.workspace,
        env: { ...process.env, ...(subject.environment?.() ?? {}) },
        secretEnvNames: [],
        operatorChannel: false,
        tools: [],
        executeTool: () => Promise.resolve({ success: false, text: 'no tools in the contract suite' }),
        onEvent: log.sink,
        logger: silentLogger(),
        signal: new AbortController().signal,
        clientVersion: '0.0.0-contract',
        sessionLog: null,
        ...overrides,
      };
      const session = await subject.profile.start(request);
      sessions.push(session);
      return { session, log, ws };
    }

    it('a first turn emits session_started and completes with a session id; a second emits turn_started on the same session', async () => {
      const { session, log } = await start((ws) => subject.completing(ws));
      const first = await session.runTurn({ text: 'Say hello.', title: 'CONTRACT-1: hello' });
      expect(first.sessionId).toMatch(/\S/);
      expect(log.named('session_started')).toHaveLength(1);
      expect(log.named('turn_completed').length).toBeGreaterThanOrEqual(1);
      const second = await session.runTurn({ text: 'Continue.', title: 'CONTRACT-1: hello' });
      expect(second.sessionId).toMatch(/\S/);
      expect(log.named('turn_started')).toHaveLength(1);
      expect(log.named('session_started')).toHaveLength(1);
      // Every event names what the agent does, structured.
      expect(log.events.every((event: AgentEvent) => event.activity !== undefined)).toBe(true);
    }, timeout * 2);

    if (subject.reportsUsage !== false) {
      it('reports absolute token totals as token_usage_updated', async () => {
        const { session, log } = await start((ws) => subject.completing(ws));
        await session.runTurn({ text: 'Say hello.', title: 'CONTRACT-2: usage' });
        const usage = log.named('token_usage_updated').at(-1)?.usage;
        expect(usage?.totalTokens).toBeGreaterThan(0);
      }, timeout);
    }

    it('stop is idempotent and a turn after stop rejects', async () => {
      const { session } = await start((ws) => subject.completing(ws));
      await session.stop();
      await session.stop();
      await expect(session.runTurn({ text: 'Again.', title: 'CONTRACT-3: stopped' })).rejects.toMatchObject({ code: expect.any(String) });
      expect(session.answer({ decision: 'accept' })).toMatchObject({ ok: false, code: 'nothing_waiting' });
    }, timeout);

    it('an aborted start rejects with canceled', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stopped before launch'));
      await expect(start((ws) => subject.completing(ws), { signal: controller.signal })).rejects.toMatchObject({ code: 'canceled' });
    }, timeout);

    if (subject.approval !== undefined) {
      it('with an operator channel, an approval waits for the operator; the answer lets the turn complete', async () => {
        const { session, log, ws } = await start((ws) => subject.approval!(ws), { operatorChannel: true });
        const turn = session.runTurn({ text: 'Run the command.', title: 'CONTRACT-4: approval' });
        const waiting = await log.waitFor('operator_waiting');
        expect(waiting.operatorRequest).toMatchObject({ kind: 'approval' });
        expect(waiting.activity).toMatchObject({ kind: 'operator', phase: 'waiting' });
        expect(session.answer({ decision: 'maybe' } as never)).toMatchObject({ ok: false, code: 'invalid_answer' });
        expect(session.answer({ decision: 'accept' })).toEqual({ ok: true });
        await expect(turn).resolves.toMatchObject({ sessionId: expect.any(String) });
        expect(log.named('operator_answered')).toHaveLength(1);
        await subject.afterApproval?.(ws);
      }, timeout);
    }
  });
}

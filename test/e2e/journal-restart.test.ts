/**
 * The run journal across a daemon killed with SIGKILL (issue 9, spec §15a), end to end through the
 * `symphony` CLI with the real Codex binary, the fake Linear and a scripted model: a retry keeps
 * its due time, a budget-blocked issue stays blocked, token totals and run history carry over.
 * Each test restarts the daemon on the same WORKFLOW.md, HOME and CODEX_HOME.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelStep } from '../support/fake-model/index.js';
import { addAgentKeys, apiBase, gauge, getJson, killHard, pollOnce, readJournalCopy, type RunRowJson, type StateJson } from '../support/journal-e2e.js';
import { setupE2E, type E2E } from './harness.js';

let env: E2E | null = null;

afterEach(async () => {
  await env?.dispose();
  env = null;
});

describe('run journal: a daemon killed with SIGKILL and started again (issue 9)', () => {
  it('a failure retry due later keeps its due time across the restart and is dispatched at or after it', async () => {
    const arrivals: number[] = [];
    env = await setupE2E(
      (): ModelStep => {
        arrivals.push(Date.now());
        if (arrivals.length === 1) return { type: 'error', status: 400, message: 'scripted failure' };
        env!.linear.setState('JRN-1', 'Human Review');
        return { type: 'message', text: 'done after the retry' };
      },
      { pollMs: 600_000, serverPort: 0, maxTurns: 1 },
    );
    const issue = env.linear.addIssue({ identifier: 'JRN-1', title: 'Fails once', state: 'Todo' });
    const first = env.start();
    const base = await apiBase(first);
    await first.waitForLog((l) => l.msg === 'retry scheduled' && l.issue_identifier === 'JRN-1' && l.kind === 'failure', 'the failure retry', 60_000);
    const before = await getJson<StateJson>(base, '/api/v1/state');
    expect(before.retrying).toHaveLength(1);
    const retry = before.retrying[0]!;
    expect(retry).toMatchObject({ issue_identifier: 'JRN-1', attempt: 1, kind: 'failure' });
    expect(retry.error).toContain('scripted failure');
    const dueAtMs = Date.parse(retry.due_at);

    await killHard(first, 'kill');
    const journal = readJournalCopy(env);
    expect(journal.claims).toMatchObject([{ issue_id: issue.id, kind: 'retrying', retry_attempt: 1, retry_due_at_ms: dueAtMs, retry_cause: 'worker_failed' }]);

    const second = env.start();
    const base2 = await apiBase(second);
    const recovered = await second.waitForLog((l) => l.msg === 'recovered from the run journal', 'recovery', 30_000);
    expect(recovered).toMatchObject({ retries: 1, resumes: 0, blocked: 0 });
    const after = await getJson<StateJson & { generated_at: string }>(base2, '/api/v1/state');
    // Still due later (not brought forward to the restart), same attempt, same reason.
    expect(after.retrying).toEqual([retry]);
    expect(Date.parse(after.generated_at)).toBeLessThan(dueAtMs);
    expect(second.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('dispatch started'))).toBe(false);

    const dispatched = await second.waitForLog((l) => l.msg === 'dispatch started' && l.issue_identifier === 'JRN-1', 'the re-dispatch', 30_000);
    expect(dispatched.attempt).toBe(1);
    expect(Date.parse(String(dispatched.time))).toBeGreaterThanOrEqual(dueAtMs);
    await env.model.waitForRequests(2);
    expect(arrivals[1]).toBeGreaterThanOrEqual(dueAtMs);
    expect(env.model.requests[1]!.lastUserText).toContain('attempt=1');

    // The run history spans both daemons: the failed run, then the retry's run.
    await second.waitForLog((l) => l.msg === 'claim released' && l.issue_identifier === 'JRN-1', 'the release after the run', 30_000);
    const { runs } = await getJson<{ runs: RunRowJson[] }>(base2, '/api/v1/runs');
    expect(runs.map((r) => [r.issue_identifier, r.attempt, r.outcome])).toEqual([
      ['JRN-1', 1, 'completed'],
      ['JRN-1', null, 'failed'],
    ]);
    expect(runs[1]!.reason).toContain('scripted failure');
    second.signal('SIGTERM');
    expect((await second.waitForExit()).exitCode).toBe(0);
  });

  it('a token budget stops a looping agent and blocks the issue; it stays blocked across the restart until it is moved', async () => {
    env = await setupE2E((req): ModelStep => ({ type: 'message', text: `still working (turn ${req.turnIndex})` }), { pollMs: 600_000, serverPort: 0, maxTurns: 20 });
    // Every reply reports 100 input + 10 output tokens: the fifth turn spends the budget.
    await addAgentKeys(env, { max_tokens_per_issue: 500 });
    env.linear.addIssue({ identifier: 'JRN-2', title: 'Loops', state: 'Todo' });
    const first = env.start();
    const base = await apiBase(first);
    await first.waitForLog((l) => l.msg === 'stopping worker' && l.issue_identifier === 'JRN-2' && l.reason === 'budget_exceeded', 'the budget stop', 60_000);
    const blockedLine = await first.waitForLog((l) => l.msg === 'issue blocked: budget exceeded' && l.issue_identifier === 'JRN-2', 'the block', 30_000);
    expect(String(blockedLine.reason)).toMatch(/token budget exceeded: \d+ of agent\.max_tokens_per_issue 500/);
    expect(first.logs.some((l) => l.msg === 'token budget 80% used' && l.issue_identifier === 'JRN-2')).toBe(true);
    const requestsBefore = env.model.requests.length;
    expect(requestsBefore).toBeGreaterThanOrEqual(5);
    expect(requestsBefore).toBeLessThan(20);
    const before = await getJson<StateJson>(base, '/api/v1/state');
    expect(before.counts).toMatchObject({ running: 0, retrying: 0, blocked: 1 });
    expect(before.blocked).toHaveLength(1);
    const blocked = before.blocked[0]!;
    expect(blocked).toMatchObject({ issue_identifier: 'JRN-2', state: 'Todo' });
    expect(blocked.reason).toContain('agent.max_tokens_per_issue');
    expect(await gauge(base, 'symphony_blocked_agents')).toBe(1);

    await killHard(first, 'kill');
    expect(readJournalCopy(env).claims).toMatchObject([{ kind: 'blocked', blocked_cause: 'budget_exceeded', blocked_state: 'Todo' }]);

    const second = env.start();
    const base2 = await apiBase(second);
    expect(await second.waitForLog((l) => l.msg === 'recovered from the run journal', 'recovery', 30_000)).toMatchObject({ retries: 0, resumes: 0, blocked: 1 });
    // Polls see the issue still in Todo: still blocked, not dispatched, the model never asked.
    await pollOnce(base2);
    await pollOnce(base2);
    const after = await getJson<StateJson>(base2, '/api/v1/state');
    expect(after.blocked).toEqual([blocked]);
    expect(after.counts).toMatchObject({ running: 0, retrying: 0, blocked: 1 });
    expect(await gauge(base2, 'symphony_blocked_agents')).toBe(1);
    expect(env.model.requests.length).toBe(requestsBefore);
    expect(second.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('dispatch started'))).toBe(false);
    expect((await getJson(base2, '/api/v1/JRN-2')).status).toBe('blocked');

    // Moved by a person: released.
    env.linear.setState('JRN-2', 'Human Review');
    await pollOnce(base2);
    await second.waitForLog((l) => l.msg === 'claim released' && l.issue_identifier === 'JRN-2', 'the release', 30_000);
    const released = await getJson<StateJson>(base2, '/api/v1/state');
    expect(released.blocked).toEqual([]);
    expect(released.counts.blocked).toBe(0);
    expect(await gauge(base2, 'symphony_blocked_agents')).toBe(0);
    second.signal('SIGTERM');
    expect((await second.waitForExit()).exitCode).toBe(0);
  });

  it('token totals and the run history survive the restart', async () => {
    env = await setupE2E(
      (): ModelStep => {
        env!.linear.setState('JRN-3', 'Human Review');
        return { type: 'message', text: 'handed over', usage: { inputTokens: 1234, outputTokens: 56 } };
      },
      { pollMs: 600_000, serverPort: 0, maxTurns: 1 },
    );
    const issue = env.linear.addIssue({ identifier: 'JRN-3', title: 'Uses tokens', state: 'Todo' });
    const first = env.start();
    await apiBase(first);
    await first.waitForLog((l) => l.msg === 'claim released' && l.issue_identifier === 'JRN-3', 'the release after the run', 60_000);
    await killHard(first, 'kill');
    const journal = readJournalCopy(env);
    expect(journal.usage).toHaveLength(1);
    const usage = journal.usage[0]!;
    expect(usage).toMatchObject({ issue_id: issue.id, input_tokens: 1234, output_tokens: 56, total_tokens: 1290 });
    expect(journal.runs).toMatchObject([{ issue_id: issue.id, outcome: 'completed', total_tokens: 1290 }]);

    const second = env.start();
    const base2 = await apiBase(second);
    expect(await second.waitForLog((l) => l.msg === 'recovered from the run journal', 'recovery', 30_000)).toMatchObject({ issues_with_usage: 1 });
    const { runs } = await getJson<{ runs: RunRowJson[] }>(base2, '/api/v1/runs');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ issue_identifier: 'JRN-3', outcome: 'completed', turns: 1, tokens: { input: 1234, output: 56, total: 1290 } });
    await pollOnce(base2);
    second.signal('SIGTERM');
    expect((await second.waitForExit()).exitCode).toBe(0);
    expect(readJournalCopy(env).usage).toEqual([usage]);
  });
});

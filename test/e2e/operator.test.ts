/**
 * Operator intervention end to end (issue 3 item 3): the `symphony` CLI with its HTTP server, the
 * real Codex binary under `approval_policy: untrusted`, the fake Linear and a scripted model. The
 * agent's command waits for an operator; the answer posted to the API resumes the same turn.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelStep } from '../support/fake-model/index.js';
import { eventuallyAsync } from '../support/wait.js';
import { setupE2E, type E2E } from './harness.js';

let env: E2E | null = null;

afterEach(async () => {
  await env?.dispose();
  env = null;
});

interface WaitingRow {
  issue_identifier: string;
  kind: string;
  command: string | null;
  cwd: string | null;
  decisions: string[];
}

async function json(url: string): Promise<Record<string, unknown>> {
  return (await (await fetch(url)).json()) as Record<string, unknown>;
}

/** Poll ticks completed so far (from the daemon's own metrics). */
async function ticks(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^symphony_poll_tick_duration_seconds_count (\d+)$/m.exec(text)?.[1] ?? NaN);
}

/** Requests a poll and waits until a tick that started after the request has completed. */
async function pollOnce(base: string): Promise<void> {
  const before = await ticks(base);
  expect((await fetch(`${base}/api/v1/refresh`, { method: 'POST' })).status).toBe(202);
  await eventuallyAsync(async () => (await ticks(base)) >= before + 1, 'a poll tick to complete', 30_000);
}

describe('operator intervention through the API with the real Codex app-server (issue 3)', () => {
  it('an approval waits for an operator; the answer resumes the same turn and the command runs', async () => {
    env = await setupE2E(
      (req): ModelStep =>
        req.turnIndex === 0 && req.stepInTurn === 0
          ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'touch result.txt' } }
          : { type: 'message', text: 'done' },
      { pollMs: 600_000, serverPort: 0, approvalPolicy: 'untrusted', stallMs: 1000, maxTurns: 1 },
    );
    env.linear.addIssue({ identifier: 'OPS-1', title: 'Needs approval', state: 'Todo' });
    const daemon = env.start();
    const base = String((await daemon.waitForLog((line) => line.msg === 'http server listening', 'the HTTP server')).url);

    const waiting = await eventuallyAsync(async () => {
      const state = await json(`${base}/api/v1/state`);
      return (state.waiting as WaitingRow[])[0] ?? false;
    }, 'the approval to wait for an operator', 60_000);
    expect(waiting).toMatchObject({ issue_identifier: 'OPS-1', kind: 'approval', cwd: path.join(env.root, 'OPS-1') });
    expect(waiting.command).toContain('touch result.txt');
    expect(waiting.decisions).toContain('accept');
    const detail = await json(`${base}/api/v1/OPS-1`);
    expect(detail).toMatchObject({ status: 'waiting', waiting: { kind: 'approval' } });
    // The structured activity (issue 7 item 7): what the run waits on, with the command as a field.
    const activity = (detail.running as { last_activity: Record<string, unknown> | null }).last_activity;
    expect(activity).toMatchObject({ kind: 'operator', phase: 'waiting' });
    expect(String(activity?.command)).toContain('touch result.txt');
    expect(String(activity?.summary)).toMatch(/^waiting for an operator: .*touch result\.txt/);

    // stall_timeout_ms is 1000: once the request has waited longer than that, a poll (which runs
    // the stall check) must leave the run alone.
    await eventuallyAsync(async () => {
      const state = await json(`${base}/api/v1/state`);
      const row = (state.waiting as { since: string }[])[0];
      return row !== undefined && Date.parse(String(state.generated_at)) - Date.parse(row.since) > 1500;
    }, 'the request to wait longer than stall_timeout_ms', 30_000);
    await pollOnce(base);
    await pollOnce(base);
    expect((await json(`${base}/api/v1/state`)).counts).toMatchObject({ running: 1, waiting: 1 });
    const invalid = await fetch(`${base}/api/v1/OPS-1/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":"maybe"}' });
    expect(invalid.status).toBe(400);

    const answered = await fetch(`${base}/api/v1/OPS-1/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":"accept"}' });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ answered: true });
    await daemon.waitForLog((line) => line.msg === 'turn completed' && line.issue_identifier === 'OPS-1', 'the turn to complete after the answer', 60_000);
    const again = await fetch(`${base}/api/v1/OPS-1/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":"accept"}' });
    expect(again.status).toBe(409);
    expect(daemon.logs.some((line) => line.msg === 'stopping worker' && line.reason === 'stalled')).toBe(false);

    // The command ran in the workspace: moving the issue to Done removes the workspace, and
    // before_remove copies result.txt out first.
    env.linear.setState('OPS-1', 'Done');
    await pollOnce(base);
    await eventuallyAsync(async () => (await env!.marker('before_remove.log')) ?? false, 'the workspace removal', 60_000);
    expect(await env.marker('result.txt')).toBe('');

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
  });

  it('an unanswered request fails the run after operator_timeout_ms and blocks the issue until it changes state', async () => {
    env = await setupE2E(
      (req): ModelStep =>
        req.stepInTurn === 0 ? { type: 'function_call', name: 'exec_command', arguments: { cmd: 'touch result.txt' } } : { type: 'message', text: 'done' },
      { pollMs: 600_000, serverPort: 0, approvalPolicy: 'untrusted', operatorTimeoutMs: 1500 },
    );
    env.linear.addIssue({ identifier: 'OPS-2', title: 'Nobody answers', state: 'Todo' });
    const daemon = env.start();
    const base = String((await daemon.waitForLog((line) => line.msg === 'http server listening', 'the HTTP server')).url);
    await daemon.waitForLog((line) => line.msg === 'issue blocked waiting for an operator' && line.issue_identifier === 'OPS-2', 'OPS-2 to be blocked', 60_000);
    const state = await json(`${base}/api/v1/state`);
    expect(state.counts).toMatchObject({ running: 0, retrying: 0, waiting: 0, blocked: 1 });
    expect((state.blocked as { reason: string }[])[0]?.reason).toContain('operator_timeout');
    const answer = await fetch(`${base}/api/v1/OPS-2/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"decision":"accept"}' });
    expect(answer.status).toBe(409);

    // Still Todo: a poll does not dispatch it again.
    await pollOnce(base);
    const dispatches = () => daemon.logs.filter((line) => line.msg === 'dispatch started' && line.issue_identifier === 'OPS-2').length;
    expect(dispatches()).toBe(1);
    // Moved by a person: released and dispatched again.
    env.linear.setState('OPS-2', 'In Progress');
    await pollOnce(base);
    await daemon.waitForLog((line) => line.msg === 'claim released' && line.issue_identifier === 'OPS-2', 'OPS-2 to be released', 30_000);
    await pollOnce(base);
    await eventuallyAsync(() => Promise.resolve(dispatches() === 2), 'OPS-2 to be dispatched again', 30_000);

    daemon.signal('SIGTERM');
    expect((await daemon.waitForExit()).exitCode).toBe(0);
  });
});

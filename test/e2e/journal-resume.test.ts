/**
 * A run interrupted mid-turn by a SIGKILLed daemon continues on the same Codex thread in the same
 * workspace after the restart (issue 9, spec §15a): the journal's claim row names the thread, the
 * restarted daemon resumes it (`thread/resume`), and the model's next request carries the history.
 * Real Codex binary, fake Linear, scripted model; same WORKFLOW.md, HOME and CODEX_HOME.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelStep } from '../support/fake-model/index.js';
import { apiBase, getJson, killHard, readJournalCopy, type RunRowJson, type StateJson } from '../support/journal-e2e.js';
import { deferred, eventuallyAsync } from '../support/wait.js';
import { setupE2E, type E2E } from './harness.js';

let env: E2E | null = null;
let release = deferred<void>();

afterEach(async () => {
  release.resolve();
  await env?.dispose();
  env = null;
});

const inputText = (input: readonly Record<string, unknown>[]): string => input.map((item) => JSON.stringify(item)).join('\n');

describe('run journal: a run interrupted by SIGKILL resumes its thread (issue 9)', () => {
  it('the restarted daemon resumes the same thread in the same workspace; the model sees the earlier history', async () => {
    release = deferred<void>();
    const secondArrived = deferred<void>();
    env = await setupE2E(
      async (): Promise<ModelStep> => {
        // The first turn's reply never comes: the daemon is killed while it waits.
        if (env!.model.requests.length === 1) return { type: 'hang' };
        secondArrived.resolve();
        await release.promise;
        env!.linear.setState('RES-1', 'Human Review');
        return { type: 'message', text: 'resumed and done' };
      },
      { pollMs: 600_000, serverPort: 0, maxTurns: 1, prompt: 'FIRST-PROMPT-7f3a for {{ issue.identifier }} (issue id {{ issue.id }}) attempt={{ attempt }}' },
    );
    const issue = env.linear.addIssue({ identifier: 'RES-1', title: 'Interrupted mid-turn', state: 'Todo' });
    const first = env.start();
    const base = await apiBase(first);
    await env.model.waitForRequests(1);
    const firstRequest = env.model.requests[0]!;
    expect(firstRequest.lastUserText).toContain('FIRST-PROMPT-7f3a for RES-1');
    const running = await eventuallyAsync(async () => {
      const row = (await getJson<StateJson>(base, '/api/v1/state')).running.find((r) => r.issue_identifier === 'RES-1');
      return row?.session_id ? row : false;
    }, 'RES-1 running with a session', 30_000);
    const workspace = path.join(env.root, 'RES-1');
    expect(running.workspace_path).toBe(workspace);

    // kill -9 of the daemon alone; its app-server exits when its stdin closes (spec §16).
    await killHard(first, 'wait');
    const journal = readJournalCopy(env);
    expect(journal.claims).toHaveLength(1);
    const claim = journal.claims[0]!;
    expect(claim).toMatchObject({ issue_id: issue.id, kind: 'running', workspace_path: workspace });
    const threadId = String(claim.thread_id);
    expect(running.session_id!.startsWith(`${threadId}-`)).toBe(true);
    expect(journal.runs).toMatchObject([{ issue_id: issue.id, ended_at_ms: null, outcome: null }]);

    const second = env.start();
    const base2 = await apiBase(second);
    expect(await second.waitForLog((l) => l.msg === 'recovered from the run journal', 'recovery', 30_000)).toMatchObject({ retries: 0, resumes: 1, blocked: 0 });
    const resumed = await second.waitForLog((l) => l.msg === 'dispatch started: resuming the thread of the run the daemon restart interrupted', 'the resuming dispatch', 30_000);
    expect(resumed).toMatchObject({ issue_identifier: 'RES-1', thread_id: threadId });
    await secondArrived.promise;
    await second.waitForLog((l) => l.msg === 'resumed the run on its thread after a daemon restart' && l.thread_id === threadId, 'the resumed session', 30_000);

    // The next request continues the thread: it carries the first prompt, and its own turn input is
    // the restart guidance, not the prompt again.
    const next = env.model.requests[1]!;
    expect(inputText(next.input)).toContain('FIRST-PROMPT-7f3a for RES-1');
    expect(next.turnIndex).toBeGreaterThanOrEqual(1);
    expect(next.lastUserText).not.toContain('FIRST-PROMPT-7f3a');
    expect(env.model.requests).toHaveLength(2);

    // Same workspace, same thread (session ids are `<thread_id>-<turn_id>`).
    const state = await getJson<StateJson>(base2, '/api/v1/state');
    const row = state.running.find((r) => r.issue_identifier === 'RES-1');
    expect(row?.workspace_path).toBe(workspace);
    expect(row?.session_id?.startsWith(`${threadId}-`)).toBe(true);
    const detail = await getJson<{ status: string; workspace: { path: string } | null; runs: RunRowJson[] }>(base2, '/api/v1/RES-1');
    expect(detail).toMatchObject({ status: 'running', workspace: { path: workspace } });
    expect(detail.runs.map((r) => r.outcome)).toEqual([null, 'interrupted']);
    // The workspace was reused, not created again: after_create ran once, before the kill.
    const ready = await second.waitForLog((l) => l.msg === 'workspace ready' && l.issue_identifier === 'RES-1', 'the workspace', 30_000);
    expect(ready).toMatchObject({ workspace, created_now: false });
    expect(await env.marker('after_create.log')).toBe('RES-1\n');

    release.resolve();
    await second.waitForLog((l) => l.msg === 'claim released' && l.issue_identifier === 'RES-1', 'the release after the resumed run', 30_000);
    const { runs } = await getJson<{ runs: RunRowJson[] }>(base2, '/api/v1/runs');
    expect(runs.map((r) => [r.issue_identifier, r.attempt, r.outcome, r.reason])).toEqual([
      ['RES-1', 1, 'completed', null],
      ['RES-1', null, 'interrupted', 'the daemon stopped during the run'],
    ]);
    second.signal('SIGTERM');
    expect((await second.waitForExit()).exitCode).toBe(0);
  });
});

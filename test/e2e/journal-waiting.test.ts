/**
 * A run SIGKILLed while it waits for an operator resumes its thread after the restart, and the
 * lost request is asked again (issue 9, spec §15a): the journal's claim row is `waiting` with the
 * request line, the restarted daemon resumes the thread with the restart guidance naming that
 * request, the model makes the request again, it waits in `/api/v1/state` once more, and the answer
 * posted to the API lets the turn finish. Real Codex binary under `approval_policy: untrusted`,
 * fake Linear, scripted model; same WORKFLOW.md, HOME and CODEX_HOME across the restart.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelRequest, ModelStep } from '../support/fake-model/index.js';
import { apiBase, getJson, killHard, readJournalCopy, type StateJson } from '../support/journal-e2e.js';
import { eventuallyAsync } from '../support/wait.js';
import { setupE2E, type E2E } from './harness.js';

let env: E2E | null = null;

afterEach(async () => {
  await env?.dispose();
  env = null;
});

/** One `waiting[]` row of `GET /api/v1/state` (the part read here). */
interface WaitingRowJson {
  readonly issue_identifier: string;
  readonly kind: string;
  readonly summary: string;
  readonly command: string | null;
  readonly cwd: string | null;
  readonly decisions: string[];
}

type WaitingStateJson = StateJson & { readonly waiting: WaitingRowJson[] };

const COMMAND = 'touch approved-9w.txt';
const RESTART_MARK = 'The Symphony daemon restarted';

const answer = (base: string, decision: string): Promise<Response> =>
  fetch(`${base}/api/v1/WAIT-1/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision }) });

/** Waits until WAIT-1's request is in `waiting[]`. */
const waitingRow = (base: string, what: string): Promise<WaitingRowJson> =>
  eventuallyAsync(async () => (await getJson<WaitingStateJson>(base, '/api/v1/state')).waiting.find((w) => w.issue_identifier === 'WAIT-1') ?? false, what, 60_000);

describe('run journal: a waiting operator request is re-asked after resume (issue 9)', () => {
  it('a run killed while waiting resumes its thread, the guidance names the lost request, and the re-asked request is answered', async () => {
    const call: ModelStep = { type: 'function_call', name: 'exec_command', arguments: { cmd: COMMAND } };
    env = await setupE2E(
      (req: ModelRequest): ModelStep => {
        // Before the restart the turn never gets past the approval (the daemon is killed while it waits).
        if (!req.lastUserText.includes(RESTART_MARK)) return req.stepInTurn === 0 ? call : { type: 'hang' };
        if (req.stepInTurn === 0) return call;
        env!.linear.setState('WAIT-1', 'Human Review');
        return { type: 'message', text: 'approved and done' };
      },
      { pollMs: 600_000, serverPort: 0, approvalPolicy: 'untrusted', maxTurns: 1, prompt: 'WAIT-PROMPT-51c for {{ issue.identifier }} attempt={{ attempt }}' },
    );
    const issue = env.linear.addIssue({ identifier: 'WAIT-1', title: 'Killed while waiting', state: 'Todo' });
    const workspace = path.join(env.root, 'WAIT-1');
    const first = env.start();
    const base = await apiBase(first);

    const asked = await waitingRow(base, 'the first approval to wait for an operator');
    expect(asked).toMatchObject({ kind: 'approval', cwd: workspace });
    expect(asked.command).toContain(COMMAND);
    expect(asked.decisions).toContain('accept');
    const running = (await getJson<WaitingStateJson>(base, '/api/v1/state')).running.find((r) => r.issue_identifier === 'WAIT-1');
    expect(running?.session_id).toBeTruthy();

    // kill -9 while the request waits; the app-server exits when its stdin closes.
    await killHard(first, 'wait');
    const requestsBefore = env.model.requests.length;
    expect(existsSync(path.join(workspace, 'approved-9w.txt'))).toBe(false);
    const journal = readJournalCopy(env);
    expect(journal.claims).toHaveLength(1);
    const claim = journal.claims[0]!;
    expect(claim).toMatchObject({ issue_id: issue.id, kind: 'waiting', workspace_path: workspace });
    const waitingLine = String(claim.waiting);
    expect(waitingLine).toBe(`${asked.kind}: ${asked.summary}`);
    expect(waitingLine).toContain(COMMAND);
    const threadId = String(claim.thread_id);
    expect(running!.session_id!.startsWith(`${threadId}-`)).toBe(true);

    const second = env.start();
    const base2 = await apiBase(second);
    expect(await second.waitForLog((l) => l.msg === 'recovered from the run journal', 'recovery', 30_000)).toMatchObject({ retries: 0, resumes: 1, blocked: 0 });
    const resumed = await second.waitForLog((l) => l.msg === 'dispatch started: resuming the thread of the run the daemon restart interrupted', 'the resuming dispatch', 30_000);
    expect(resumed).toMatchObject({ issue_identifier: 'WAIT-1', thread_id: threadId });
    expect(await second.waitForLog((l) => l.msg === 'resumed the run on its thread after a daemon restart', 'the resumed session', 30_000)).toMatchObject({ thread_id: threadId, waiting: waitingLine });

    // The first request after the restart is the restart turn: its input is the guidance naming
    // the lost request, on the thread that still holds the first prompt.
    await env.model.waitForRequests(requestsBefore + 1);
    const next = env.model.requests[requestsBefore]!;
    expect(next.lastUserText).toContain(RESTART_MARK);
    expect(next.lastUserText).toContain(`Your request "${waitingLine}" was waiting for an operator`);
    expect(next.lastUserText).toContain(COMMAND);
    expect(next.lastUserText).not.toContain('WAIT-PROMPT-51c');
    expect(next.input.map((item) => JSON.stringify(item)).join('\n')).toContain('WAIT-PROMPT-51c for WAIT-1');

    // The model asks again; the request waits in the new daemon, on the same thread.
    const reasked = await waitingRow(base2, 'the re-asked approval to wait for an operator');
    expect(reasked).toMatchObject({ kind: 'approval', cwd: workspace });
    expect(reasked.command).toContain(COMMAND);
    const state = await getJson<WaitingStateJson>(base2, '/api/v1/state');
    expect(state.counts).toMatchObject({ running: 1, waiting: 1 });
    expect(state.running.find((r) => r.issue_identifier === 'WAIT-1')?.session_id?.startsWith(`${threadId}-`)).toBe(true);

    const answered = await answer(base2, 'accept');
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ answered: true });
    await second.waitForLog((l) => l.msg === 'turn completed' && l.issue_identifier === 'WAIT-1', 'the resumed turn to complete after the answer', 60_000);
    expect(existsSync(path.join(workspace, 'approved-9w.txt'))).toBe(true);
    await second.waitForLog((l) => l.msg === 'claim released' && l.issue_identifier === 'WAIT-1', 'the release after the resumed run', 30_000);

    second.signal('SIGTERM');
    expect((await second.waitForExit()).exitCode).toBe(0);
  });
});

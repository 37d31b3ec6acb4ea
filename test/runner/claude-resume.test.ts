/**
 * Resuming a Claude Code session after a daemon restart (issue 9 item 2), against the real Claude
 * Code binary (through the pinned SDK) and the fake Anthropic server: a first session runs a turn
 * and its process group is killed with SIGKILL (what a dying daemon leaves behind), a second one is
 * started with `resume` on the same session id, and its first Messages request carries the earlier
 * conversation. Transcripts are kept under a per-test temporary directory (`tmpDir`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaudeSession } from '../../src/runner/claude/session.js';
import { startTestClaude } from '../support/fake-anthropic/claude-session.js';
import { startFakeAnthropic, type AnthropicScript, type FakeAnthropic, type MessageParam } from '../support/fake-anthropic/index.js';
import { descendantPids, EventLog, groupAlive, makeWorkspace, processAlive, type TestWorkspace } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
const sessions: ClaudeSession[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) await session.stop();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(script: AnthropicScript): Promise<{ model: FakeAnthropic; ws: TestWorkspace; log: EventLog; tmpDir: string }> {
  const model = await startFakeAnthropic(script);
  cleanups.push(() => model.close());
  const ws = await makeWorkspace();
  cleanups.push(() => ws.cleanup());
  const tmpDir = await mkdtemp(path.join(tmpdir(), 'symphony-claude-resume-'));
  cleanups.push(() => rm(tmpDir, { recursive: true, force: true }));
  return { model, ws, log: new EventLog(), tmpDir };
}

function track(session: ClaudeSession): ClaudeSession {
  sessions.push(session);
  return session;
}

/** SIGKILLs the session's whole process tree (a daemon that died), then waits until every process of it is gone. */
async function killGroup(session: ClaudeSession): Promise<void> {
  const pid = session.pid!;
  const tree = [pid, ...descendantPids(pid)];
  process.kill(-pid, 'SIGKILL');
  // Killed processes are reaped asynchronously; poll /proc with a bound rather than sleep.
  const deadline = Date.now() + 10_000;
  while (groupAlive(pid) || tree.some(processAlive)) {
    if (Date.now() > deadline) throw new Error(`Claude Code group ${pid} still alive after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every text block of the conversation's user messages. */
function userTexts(messages: readonly MessageParam[]): string[] {
  return messages
    .filter((message) => message.role === 'user')
    .flatMap((message) => (typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? (message.content as { type?: unknown; text?: unknown }[]) : []))
    .map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : ''));
}

const firstPrompt = 'Work on RES-1: the first prompt of the original run';

describe('issue 9: a Claude Code session resumed by a new process after the old one died', () => {
  it('resume continues the same session: same thread id, and the first Messages request carries the earlier conversation', async () => {
    const { model, ws, log, tmpDir } = await setup((request) => ({ type: 'text', text: `answer to turn ${request.turnIndex}` }));
    const first = track(await startTestClaude(model, ws, log, { tmpDir }));
    await first.runTurn({ text: firstPrompt, title: 'RES-1' });
    const threadId = first.claudeSessionId;
    expect(log.named('session_started')[0]?.threadId).toBe(threadId);
    await killGroup(first);
    // The dead daemon never stopped anything; stopping here only settles the session object.
    await first.stop({ keepHistory: true });
    expect(existsSync(first.configDir)).toBe(false);
    expect(existsSync(first.transcriptDir)).toBe(true);

    const before = model.requests.length;
    const second = track(await startTestClaude(model, ws, log, { tmpDir, resume: { threadId } }));
    expect(second.claudeSessionId).toBe(threadId);
    expect(second.transcriptDir).toBe(first.transcriptDir);
    await second.runTurn({ text: 'The daemon restarted; carry on', title: 'RES-1' });
    const resumed = model.requests[before];
    expect(resumed?.lastUserText).toBe('The daemon restarted; carry on');
    expect(userTexts(resumed?.messages ?? []).some((text) => text.includes(firstPrompt))).toBe(true);
    expect(resumed?.messages.some((message) => message.role === 'assistant' && JSON.stringify(message.content).includes('answer to turn 0'))).toBe(true);
    // Continued, not forked: the one transcript file of the session grew.
    const projects = readdirSync(second.transcriptDir);
    expect(projects.flatMap((project) => readdirSync(path.join(second.transcriptDir, project)).filter((name) => name.endsWith('.jsonl')))).toEqual([`${threadId}.jsonl`]);
    const started = log.named('session_started');
    expect(started.map((event) => event.threadId)).toEqual([threadId, threadId]);
    expect(log.named('turn_completed').at(-1)?.threadId).toBe(threadId);
    // The resumed process counts only its own usage (its result's modelUsage starts at zero).
    expect(log.named('token_usage_updated').at(-1)?.usage).toEqual({ inputTokens: 100, outputTokens: 10, totalTokens: 110 });
  });

  it('stop({keepHistory: true}) (a daemon that stops) keeps the transcript for a resume; a plain stop removes it', async () => {
    const { model, ws, log, tmpDir } = await setup(() => ({ type: 'text', text: 'ok' }));
    const first = track(await startTestClaude(model, ws, log, { tmpDir }));
    await first.runTurn({ text: firstPrompt, title: 'RES-2' });
    await first.stop({ keepHistory: true });
    expect(existsSync(first.transcriptDir)).toBe(true);
    const second = track(await startTestClaude(model, ws, log, { tmpDir, resume: { threadId: first.claudeSessionId } }));
    const before = model.requests.length;
    await second.runTurn({ text: 'Again', title: 'RES-2' });
    expect(userTexts(model.requests[before]?.messages ?? []).some((text) => text.includes(firstPrompt))).toBe(true);
    await second.stop();
    expect(existsSync(second.transcriptDir)).toBe(false);
    await expect(startTestClaude(model, ws, log, { tmpDir, resume: { threadId: first.claudeSessionId } })).rejects.toMatchObject({ code: 'resume_failed' });
  });

  it('resuming a session with no kept transcript rejects with resume_failed naming the session id, before any process starts', async () => {
    const { model, ws, log, tmpDir } = await setup(() => ({ type: 'text', text: 'never' }));
    const unknown = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    await expect(startTestClaude(model, ws, log, { tmpDir, resume: { threadId: unknown } })).rejects.toMatchObject({ code: 'resume_failed', message: expect.stringContaining(unknown) });
    await expect(startTestClaude(model, ws, log, { tmpDir, resume: { threadId: 'not-a-uuid' } })).rejects.toMatchObject({ code: 'resume_failed', message: expect.stringContaining('not-a-uuid') });
    expect(log.named('startup_failed').map((event) => event.message)).toEqual([expect.stringMatching(/^resume_failed: .*3f2504e0/), expect.stringMatching(/^resume_failed: .*not-a-uuid/)]);
    expect(model.requests).toEqual([]);
    expect(readdirSync(tmpDir).filter((name) => name.startsWith('symphony-claude-') && name !== 'symphony-claude-sessions')).toEqual([]);
  });

  it('a kept transcript Claude Code cannot load rejects with resume_failed carrying its words, and leaves no process', async () => {
    const { model, ws, log, tmpDir } = await setup(() => ({ type: 'text', text: 'never' }));
    const threadId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const project = path.join(tmpDir, 'symphony-claude-sessions', threadId, 'some-project');
    await mkdir(project, { recursive: true });
    await writeFile(path.join(project, `${threadId}.jsonl`), 'not a transcript\n');
    await expect(startTestClaude(model, ws, log, { tmpDir, resume: { threadId } })).rejects.toMatchObject({
      code: 'resume_failed',
      message: expect.stringMatching(/session 3f2504e0-4f89-41d3-9a0c-0305e82c3301: .*No conversation found/),
    });
    const pid = log.named('startup_failed')[0]?.codexAppServerPid;
    expect(pid).toEqual(expect.any(Number));
    expect(groupAlive(pid!)).toBe(false);
    expect(model.requests).toEqual([]);
  });
});

/**
 * Which runtimes can resume a thread after a daemon restart (issue 9 item 2), the Codex
 * `thread/resume` payload, and the keeping of Claude Code transcripts (`transcripts.ts`).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readlink, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acpRuntime } from '../../src/runner/acp/profile.js';
import { codexRuntime } from '../../src/runner/app-server/profile.js';
import { readThreadId, threadResumeParams } from '../../src/runner/app-server/protocol.js';
import { resumedUsageSink } from '../../src/runner/app-server/resumed-usage.js';
import type { AgentEvent } from '../../src/domain/agent-event.js';
import { claudeRuntime } from '../../src/runner/claude/profile.js';
import { queryOptions } from '../../src/runner/claude/options.js';
import { discardTranscript, hasTranscript, linkTranscript, pruneTranscripts, TRANSCRIPT_RETENTION_MS, transcriptDir, transcriptsRoot } from '../../src/runner/claude/transcripts.js';
import { runtimeCanResume } from '../../src/runner/registry.js';
import { DEFAULT_CLAUDE_CONFIG } from '../../src/config/claude.js';
import { loadClientMessageValidator } from '../support/codex-schema.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-transcripts-'));
  dirs.push(dir);
  return dir;
}

const SID = '6f1c2b9e-8d2a-4c55-9b1e-0a7d3c4e5f60';
const OTHER = '0d7e6c5b-4a39-4281-b7f6-e5d4c3b2a190';

describe('runtimes that can resume (issue 9)', () => {
  it('Codex and Claude Code can, ACP agents cannot; an unknown kind cannot', () => {
    expect(codexRuntime.canResume).toBe(true);
    expect(claudeRuntime.canResume).toBe(true);
    expect(acpRuntime.canResume ?? false).toBe(false);
    expect(runtimeCanResume('codex')).toBe(true);
    expect(runtimeCanResume('claude')).toBe(true);
    expect(runtimeCanResume('acp')).toBe(false);
    expect(runtimeCanResume('gemini')).toBe(false);
    expect(runtimeCanResume('')).toBe(false);
  });
});

describe('Codex thread/resume payload', () => {
  it('carries the thread id, policy, sandbox and cwd, and validates against the generated schema', async () => {
    const params = threadResumeParams({ threadId: 'th-1', approvalPolicy: 'never', threadSandbox: 'workspace-write', cwd: '/ws/ABC-1' });
    expect(params).toEqual({ threadId: 'th-1', approvalPolicy: 'never', sandbox: 'workspace-write', cwd: '/ws/ABC-1', excludeTurns: true });
    const schema = await loadClientMessageValidator();
    expect(schema.validateClientMessage({ id: 3, method: 'thread/resume', params })).toEqual([]);
  });

  it('readThreadId names the method whose answer lacks thread.id', () => {
    expect(readThreadId({ thread: { id: 'th-1' } }, 'thread/resume')).toBe('th-1');
    expect(() => readThreadId({}, 'thread/resume')).toThrow(/^thread\/resume result has no thread.id$/);
  });
});

describe('token totals of a resumed Codex thread', () => {
  const at = (event: AgentEvent['event'], usage?: AgentEvent['usage']): AgentEvent => ({ event, timestamp: new Date(0), codexAppServerPid: 1, ...(usage === undefined ? {} : { usage }) });
  const totals = (input: number, output: number) => ({ inputTokens: input, outputTokens: output, totalTokens: input + output });

  it('the usage restored before the first turn is the baseline; later totals are reported minus it', () => {
    const seen: AgentEvent[] = [];
    const sink = resumedUsageSink((event) => seen.push(event));
    sink(at('token_usage_updated', totals(100, 10)));
    sink(at('session_started'));
    sink(at('token_usage_updated', totals(250, 30)));
    expect(seen.map((event) => [event.event, event.usage])).toEqual([
      ['session_started', undefined],
      ['token_usage_updated', totals(150, 20)],
    ]);
  });

  it('without a restored usage the totals pass unchanged', () => {
    const seen: AgentEvent[] = [];
    const sink = resumedUsageSink((event) => seen.push(event));
    sink(at('session_started'));
    sink(at('token_usage_updated', totals(5, 1)));
    expect(seen.at(-1)?.usage).toEqual(totals(5, 1));
  });
});

describe('Claude Code resume options', () => {
  const base = { config: DEFAULT_CLAUDE_CONFIG, cwd: '/ws/ABC-1', env: {}, hostTools: null, canUseTool: () => Promise.resolve({ behavior: 'deny' as const, message: 'no' }), spawn: () => { throw new Error('not spawned'); }, abortController: new AbortController() };

  it('a new session names its id; a resumed one passes resume and no sessionId; both persist the transcript', () => {
    const fresh = queryOptions({ ...base, sessionId: SID });
    expect(fresh).toMatchObject({ sessionId: SID, persistSession: true });
    expect(fresh).not.toHaveProperty('resume');
    const resumed = queryOptions({ ...base, sessionId: SID, resume: true });
    expect(resumed).toMatchObject({ resume: SID, persistSession: true });
    expect(resumed).not.toHaveProperty('sessionId');
  });
});

describe('kept Claude Code transcripts', () => {
  it('the config dir links projects/ to the session transcript directory, which survives removing the config dir', async () => {
    const tmp = await scratch();
    const configDir = path.join(tmp, 'config');
    await mkdir(configDir);
    const dir = await linkTranscript(configDir, tmp, SID);
    expect(dir).toBe(path.join(transcriptsRoot(tmp), SID));
    expect(await readlink(path.join(configDir, 'projects'))).toBe(dir);
    expect(await hasTranscript(tmp, SID)).toBe(false);
    await mkdir(path.join(configDir, 'projects', '-ws-ABC-1'));
    await writeFile(path.join(configDir, 'projects', '-ws-ABC-1', `${SID}.jsonl`), '{}\n');
    await rm(configDir, { recursive: true, force: true });
    expect(await hasTranscript(tmp, SID)).toBe(true);
    await discardTranscript(tmp, SID);
    expect(existsSync(dir)).toBe(false);
    expect(await hasTranscript(tmp, SID)).toBe(false);
  });

  it('refuses a transcripts root that is not a directory', async () => {
    const tmp = await scratch();
    await writeFile(transcriptsRoot(tmp), 'in the way');
    const configDir = path.join(tmp, 'config');
    await mkdir(configDir);
    await expect(linkTranscript(configDir, tmp, SID)).rejects.toThrow();
  });

  it('ids that are not UUIDs are never used as paths', async () => {
    const tmp = await scratch();
    expect(await hasTranscript(tmp, '../etc')).toBe(false);
    expect(() => transcriptDir(tmp, '../etc')).toThrow(/not a Claude Code session id/);
    await expect(discardTranscript(tmp, '../etc')).resolves.toBeUndefined();
  });

  it('prune removes transcripts last written before the retention, keeping recent ones and the one in use', async () => {
    const tmp = await scratch();
    const THIRD = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    for (const id of [SID, OTHER, THIRD]) {
      const project = path.join(transcriptDir(tmp, id), 'proj');
      await mkdir(project, { recursive: true });
      await writeFile(path.join(project, `${id}.jsonl`), '{}\n');
    }
    const now = Date.now();
    const old = new Date(now - TRANSCRIPT_RETENTION_MS - 60_000);
    for (const id of [SID, THIRD]) {
      const dir = transcriptDir(tmp, id);
      await utimes(path.join(dir, 'proj', `${id}.jsonl`), old, old);
      await utimes(path.join(dir, 'proj'), old, old);
      await utimes(dir, old, old);
    }
    await pruneTranscripts(tmp, now, THIRD);
    expect(existsSync(transcriptDir(tmp, SID))).toBe(false);
    expect(existsSync(transcriptDir(tmp, OTHER))).toBe(true);
    expect(existsSync(transcriptDir(tmp, THIRD))).toBe(true);
  });
});

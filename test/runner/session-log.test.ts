/**
 * Session logs: `<logsRoot>/sessions/<workspace_key>/<session_id>.jsonl` with the raw app-server
 * stream, both directions, in order; the line format, the size cap, buffering before the first
 * turn, disk errors, and no tracker secret in the file.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSessionLogRecord, SessionLog, sessionLogPath } from '../../src/logging/session-log.js';
import { startAppServerSession, type AppServerSession, type AppServerSessionOptions } from '../../src/runner/app-server/session.js';
import { workspaceKey } from '../../src/workspace/key.js';
import { silentLogger } from '../../src/logging/logger.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { EventLog, fakeServerCommand, makeWorkspace, sessionOptions, type TestWorkspace } from './helpers.js';

interface Record_ {
  at?: string;
  dir?: 'recv' | 'send';
  msg?: { id?: unknown; method?: string; result?: unknown; params?: unknown };
  raw?: string;
  truncated?: boolean;
  maxBytes?: number;
  droppedBeforeFirstTurn?: number;
}

async function readRecords(file: string): Promise<Record_[]> {
  const text = await readFile(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record_);
}

let logsRoot: string;
beforeEach(async () => {
  logsRoot = await mkdtemp(path.join(tmpdir(), 'symphony-session-logs-'));
});
afterEach(async () => {
  await rm(logsRoot, { recursive: true, force: true });
});

const AT = new Date('2026-03-01T12:00:00.000Z');

describe('SessionLog', () => {
  it('record format: {at, dir, msg} with the JSON line embedded verbatim, or raw text', () => {
    expect(formatSessionLogRecord(AT, 'send', '{"id":1,"method":"initialize"}')).toBe('{"at":"2026-03-01T12:00:00.000Z","dir":"send","msg":{"id":1,"method":"initialize"}}\n');
    expect(formatSessionLogRecord(AT, 'recv', 'not json "at all"')).toBe('{"at":"2026-03-01T12:00:00.000Z","dir":"recv","raw":"not json \\"at all\\""}\n');
    expect(sessionLogPath('/logs', 'ABC-1', 'th-tu')).toBe('/logs/sessions/ABC-1/th-tu.jsonl');
  });

  it('buffers lines until the first turn, then writes them first, in order; later begin() calls keep the file', async () => {
    const log = new SessionLog({ logsRoot, workspaceKey: 'ABC-1', logger: silentLogger(), now: () => AT });
    log.record('send', '{"id":1,"method":"initialize"}');
    log.record('recv', '{"id":1,"result":{}}');
    expect(log.path).toBeNull();
    log.begin('thread-turn1');
    log.record('recv', 'noise');
    log.begin('thread-turn2');
    log.record('send', '{"id":2}');
    await log.close();
    log.record('send', '{"id":3}');
    const file = sessionLogPath(logsRoot, 'ABC-1', 'thread-turn1');
    expect(log.path).toBe(file);
    expect(await readRecords(file)).toEqual([
      { at: AT.toISOString(), dir: 'send', msg: { id: 1, method: 'initialize' } },
      { at: AT.toISOString(), dir: 'recv', msg: { id: 1, result: {} } },
      { at: AT.toISOString(), dir: 'recv', raw: 'noise' },
      { at: AT.toISOString(), dir: 'send', msg: { id: 2 } },
    ]);
  });

  it('the pre-turn buffer is bounded: lines beyond it are counted, not kept', async () => {
    const log = new SessionLog({ logsRoot, workspaceKey: 'K', bufferBytes: 200, logger: silentLogger(), now: () => AT });
    for (let i = 0; i < 10; i++) log.record('recv', `{"n":${i}}`);
    log.begin('s');
    await log.close();
    const records = await readRecords(sessionLogPath(logsRoot, 'K', 's'));
    const kept = records.filter((record) => record.msg !== undefined);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(10);
    expect(records.at(-1)).toEqual({ at: AT.toISOString(), droppedBeforeFirstTurn: 10 - kept.length });
  });

  it('past the size cap one truncated record is written and the rest dropped', async () => {
    const log = new SessionLog({ logsRoot, workspaceKey: 'K', maxBytes: 300, logger: silentLogger(), now: () => AT });
    log.begin('s');
    for (let i = 0; i < 20; i++) log.record('recv', `{"n":${i}}`);
    await log.close();
    const file = sessionLogPath(logsRoot, 'K', 's');
    const records = await readRecords(file);
    expect(records.at(-1)).toEqual({ at: AT.toISOString(), truncated: true, maxBytes: 300 });
    expect(records.filter((record) => record.truncated === true)).toHaveLength(1);
    const kept = records.slice(0, -1).map((record) => record.msg);
    expect(kept).toEqual(kept.map((_, i) => ({ n: i })));
    const beforeMarker = (await readFile(file, 'utf8')).split('\n').slice(0, -2).join('\n').length + 1;
    expect(beforeMarker).toBeLessThanOrEqual(300);
  });

  it.each([
    ['the directory cannot be created (synchronous failure)', () => writeFile(path.join(logsRoot, 'sessions'), 'a file where the directory should be')],
    ['the file cannot be opened (asynchronous failure)', () => mkdir(sessionLogPath(logsRoot, 'K', 's'), { recursive: true })],
  ])('a disk error never reaches the caller: one warning, then the log is disabled — %s', async (_label, breakDisk) => {
    await breakDisk();
    const records: LogRecord[] = [];
    const log = new SessionLog({ logsRoot, workspaceKey: 'K', logger: captureLogger(records) });
    log.record('send', '{}');
    expect(() => log.begin('s')).not.toThrow();
    log.record('send', '{}');
    await log.close();
    log.record('send', '{}');
    const warnings = records.filter((record) => record.msg === 'session log cannot be written; disabled for this session');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', session_log: sessionLogPath(logsRoot, 'K', 's') });
  });
});

describe('session logs of a live session (fake app-server)', () => {
  let ws: TestWorkspace;
  let events: EventLog;
  const sessions: AppServerSession[] = [];

  beforeEach(async () => {
    ws = await makeWorkspace();
    events = new EventLog();
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.stop()));
    await ws.cleanup();
  });

  async function start(overrides: Partial<AppServerSessionOptions>): Promise<AppServerSession> {
    const session = await startAppServerSession(sessionOptions(ws, events, { sessionLog: { logsRoot, workspaceKey: workspaceKey('ABC/1') }, ...overrides }));
    sessions.push(session);
    return session;
  }

  it('the whole stream of the session, both directions in order, in <logsRoot>/sessions/<workspace_key>/<first session_id>.jsonl, continuing across turns', async () => {
    const sent: string[] = [];
    const session = await start({ command: fakeServerCommand('noise'), onSend: (message) => sent.push(JSON.stringify(message)) });
    const first = await session.runTurn({ text: 'go', title: 'ABC/1: t' });
    await session.runTurn({ text: 'again', title: 'ABC/1: t' });
    await session.stop();

    const file = sessionLogPath(logsRoot, workspaceKey('ABC/1'), first.sessionId);
    expect(file).toBe(path.join(logsRoot, 'sessions', `ABC_1-${workspaceKey('ABC/1').split('-').at(-1)}`, 'thread-1-turn-1.jsonl'));
    const records = await readRecords(file);
    for (const record of records) expect(Date.parse(record.at ?? '')).not.toBeNaN();
    // Every line we sent, in order, including the handshake buffered before the first turn.
    expect(records.filter((record) => record.dir === 'send').map((record) => JSON.stringify(record.msg))).toEqual(sent);
    expect(records[0]).toMatchObject({ dir: 'send', msg: { method: 'initialize' } });
    expect(records[1]).toMatchObject({ dir: 'recv', msg: { id: 1, result: { userAgent: 'fake/0' } } });
    // Received lines as the server wrote them: JSON and not.
    expect(records).toContainEqual(expect.objectContaining({ dir: 'recv', raw: 'this is not json' }));
    expect(records).toContainEqual(expect.objectContaining({ dir: 'recv', msg: [1, 2, 3] }));
    const completions = records.filter((record) => record.msg?.method === 'turn/completed').map((record) => (record.msg?.params as { turn: { id: string } }).turn.id);
    expect(completions).toEqual(['turn-1', 'turn-2']);
    const order = records.map((record) => (record.dir === 'send' ? (record.msg?.method ?? 'response') : null)).filter((method) => method !== null);
    expect(order).toEqual(['initialize', 'initialized', 'thread/start', 'thread/name/set', 'turn/start', 'turn/start']);
  });

  it('§15.3 the session log never carries the tracker key, even when the agent puts its environment on the wire', async () => {
    const secret = 'lin_api_session_log_secret_123';
    const session = await start({ command: fakeServerCommand('env-echo'), env: { ...process.env, LINEAR_API_KEY: secret }, secretEnvNames: ['LINEAR_API_KEY'] });
    const outcome = await session.runTurn({ text: 'go', title: 't' });
    await session.stop();
    const text = await readFile(sessionLogPath(logsRoot, workspaceKey('ABC/1'), outcome.sessionId), 'utf8');
    expect(text).toContain('fixture/env'); // the environment really is in the file
    expect(text).toContain('"PATH"');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('LINEAR_API_KEY');
  });

  it('answers to secret questions reach the app-server but the session log records them as [redacted]', async () => {
    const received: unknown[] = [];
    const session = await start({ command: fakeServerCommand('user-input-wait'), operatorChannel: true, onReceive: (message) => received.push(message) });
    const running = session.runTurn({ text: 'go', title: 't' });
    await events.waitFor('operator_waiting');
    expect(session.answer({ answers: { color: ['red'], name: ['hunter2-secret'] } })).toEqual({ ok: true });
    const outcome = await running;
    await session.stop();
    const answered = received.find((message) => (message as { method?: string }).method === 'fixture/answered') as { params: { answer: unknown } };
    expect(answered.params.answer).toEqual({ id: 'input-9', result: { answers: { color: { answers: ['red'] }, name: { answers: ['hunter2-secret'] } } } });
    const file = sessionLogPath(logsRoot, workspaceKey('ABC/1'), outcome.sessionId);
    const records = await readRecords(file);
    const response = records.find((record) => record.dir === 'send' && record.msg?.id === 'input-9');
    expect(response?.msg).toEqual({ id: 'input-9', result: { answers: { color: { answers: ['red'] }, name: { answers: ['[redacted]'] } } } });
    // The fixture echoes what it got (a recv line): the log is the raw stream, so only what we send is redacted.
    expect(records.filter((record) => record.dir === 'send' && JSON.stringify(record.msg).includes('hunter2-secret'))).toEqual([]);
  });

  it('no session log without the option, and a session that never starts a turn leaves no file', async () => {
    const session = await start({});
    await session.stop();
    const other = await startAppServerSession(sessionOptions(ws, events, {}));
    sessions.push(other);
    await other.runTurn({ text: 'go', title: 't' });
    await other.stop();
    await expect(readFile(path.join(logsRoot, 'sessions'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

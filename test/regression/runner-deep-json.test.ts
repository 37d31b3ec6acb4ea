/**
 * Review: one line on the app-server's stdout can throw out of the stream `data` listener.
 *
 * `JsonRpcConnection` calls its handlers synchronously from the stdout `data` listener without a
 * guard, so any throw there becomes an uncaught exception that ends the daemon (and every other
 * agent with it). `SessionCore.handlers().onOther` serialises the value with `JSON.stringify`,
 * which overflows the stack on deeply nested JSON, while `JSON.parse` (iterative in V8) accepts
 * it. A ~400 KB line — far below the 10 MB cap — is enough.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { SessionCore } from '../../src/runner/app-server/session-core.js';
import { startAppServerSession, type AppServerSession } from '../../src/runner/app-server/session.js';
import { shellQuote, REPO_ROOT } from '../support/codex.js';
import { EventLog, makeWorkspace, NODE_BIN, sessionOptions, type TestWorkspace } from '../runner/helpers.js';

const DEPTH = 200_000;
const deepLine = (): string => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;

let ws: TestWorkspace;
const sessions: AppServerSession[] = [];
beforeEach(async () => {
  ws = await makeWorkspace();
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.stop()));
  await ws.cleanup();
});

it('a connection handler never throws on deeply nested non-JSON-RPC JSON (other_message)', () => {
  const log = new EventLog();
  const handlers = new SessionCore(sessionOptions(ws, log, {})).handlers();
  const value: unknown = JSON.parse(deepLine());
  expect(() => handlers.onOther?.(value)).not.toThrow();
  expect(log.named('other_message')).toHaveLength(1);
});

it('a deeply nested JSON line on stdout is reported as other_message and the turn still completes', async () => {
  const jsonl = pathToFileURL(path.join(REPO_ROOT, 'test', 'support', 'fixtures', 'jsonl.mjs')).href;
  const fixture = path.join(ws.root, 'deep-json-app-server.mjs');
  await writeFile(
    fixture,
    `import { answerHandshake, jsonLinePeer } from ${JSON.stringify(jsonl)};
const peer = jsonLinePeer();
peer.serve(async (message) => {
  if (answerHandshake(peer, message, { userAgent: 'fake/0', threadId: 'thread-1' })) return;
  if (message.method !== 'turn/start') return peer.methodNotFound(message);
  peer.reply(message, { turn: { id: 'turn-1', items: [], status: 'inProgress' } });
  process.stdout.write('['.repeat(${DEPTH}) + ']'.repeat(${DEPTH}) + '\\n');
  await peer.ask('currentTime/read', {});
  peer.notify('turn/completed', { threadId: 'thread-1', turn: { id: 'turn-1', items: [], status: 'completed', error: null } });
});
`,
  );
  const log = new EventLog();
  const session = await startAppServerSession(sessionOptions(ws, log, { command: `${shellQuote(NODE_BIN)} ${shellQuote(fixture)}` }));
  sessions.push(session);
  await expect(session.runTurn({ text: 'x', title: 'ABC-1: deep' })).resolves.toMatchObject({ status: 'completed' });
  expect(log.named('other_message')).toHaveLength(1);
}, 20_000);

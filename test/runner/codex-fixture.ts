/**
 * The per-file scaffold of the tests that run the real Codex 0.169 binary against the scripted
 * fake model on 127.0.0.1: one model server, one CODEX_HOME and the schema validator per file; a
 * fresh workspace and event log per test; every session stopped after each test, and every
 * message our client sent checked against the generated schema. Call {@link realCodexSuite} at
 * the top of a test file; read the live values from the object it returns.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { startAppServerSession, type AppServerSession, type AppServerSessionOptions } from '../../src/runner/app-server/session.js';
import { codexCommand, makeCodexHome, type CodexHome } from '../support/codex.js';
import { loadClientMessageValidator, type ClientMessageValidator, type ProtocolTranscript } from '../support/codex-schema.js';
import { startFakeModel, type FakeModel, type ModelScript } from '../support/fake-model/index.js';
import { EventLog, makeWorkspace, sessionOptions, type TestWorkspace } from './helpers.js';

/** What a test of such a file uses; fields are valid inside tests (set by the hooks). */
export interface RealCodexSuite {
  readonly model: FakeModel;
  readonly home: CodexHome;
  readonly ws: TestWorkspace;
  readonly log: EventLog;
  /** The fake model's answers; each test sets the one it needs (default: a plain message). */
  script: ModelScript;
  /** Model requests made during the current test. */
  requests(): FakeModel['requests'];
  /** A transcript validated against the schema; its errors fail the test at its end. */
  transcript(): ProtocolTranscript;
  /**
   * Starts a session on the real binary in the test's workspace (`readTimeoutMs` 30 s, the file's
   * CODEX_HOME), recording into `transcript` (a new one when omitted); stopped after the test.
   */
  start(overrides?: Partial<AppServerSessionOptions>, transcript?: ProtocolTranscript): Promise<{ session: AppServerSession; transcript: ProtocolTranscript }>;
}

/** Registers the hooks and returns the suite's live values (see the module comment). */
export function realCodexSuite(): RealCodexSuite {
  let schema: ClientMessageValidator;
  let firstRequest = 0;
  let transcripts: ProtocolTranscript[] = [];
  const sessions: AppServerSession[] = [];
  const state = {} as { model: FakeModel; home: CodexHome; ws: TestWorkspace; log: EventLog };
  const suite: RealCodexSuite = {
    get model() {
      return state.model;
    },
    get home() {
      return state.home;
    },
    get ws() {
      return state.ws;
    },
    get log() {
      return state.log;
    },
    script: () => ({ type: 'message', text: 'no script set' }),
    requests: () => state.model.requests.slice(firstRequest),
    transcript: () => {
      const transcript = schema.transcript();
      transcripts.push(transcript);
      return transcript;
    },
    start: async (overrides = {}, transcript = suite.transcript()) => {
      const session = await startAppServerSession(
        sessionOptions(state.ws, state.log, {
          command: codexCommand({ modelBaseUrl: state.model.baseUrl, codexHome: state.home.path }),
          readTimeoutMs: 30_000,
          onSend: transcript.sent,
          onReceive: transcript.received,
          ...overrides,
        }),
      );
      sessions.push(session);
      return { session, transcript };
    },
  };

  beforeAll(async () => {
    schema = await loadClientMessageValidator();
    state.model = await startFakeModel((request) => suite.script(request));
    state.home = await makeCodexHome();
  });

  afterAll(async () => {
    await state.model.close();
    await state.home.cleanup();
  });

  beforeEach(async () => {
    state.ws = await makeWorkspace();
    state.log = new EventLog();
    transcripts = [];
    firstRequest = state.model.requests.length;
  });

  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.stop()));
    expect(transcripts.flatMap((transcript) => transcript.errors())).toEqual([]);
    expect(state.model.otherRequests).toEqual([]);
    await state.ws.cleanup();
  });

  return suite;
}

/**
 * Dispatch → first model request, per agent runtime (issue 8). For each runtime profile of the
 * registry, with its real agent against a fake model server on 127.0.0.1 (the test suite's fakes):
 *
 * - `codex`: `node_modules/.bin/codex app-server` against the fake Responses API
 *   (`test/support/fake-model/`);
 * - `claude`: Claude Code of the pinned `@anthropic-ai/claude-agent-sdk` against the fake Anthropic
 *   Messages API (`test/support/fake-anthropic/`);
 * - `acp`: `gemini --acp` (the pinned Gemini CLI) against the fake Gemini API
 *   (`test/support/fake-gemini/`).
 *
 * One sample is what a worker does at dispatch once the workspace exists: `profile.start(request)`
 * (a fresh workspace and an empty HOME each time), then the first turn (`runTurn`, one model
 * reply: "done"), then `stop()`. Times are from the call of `start`, taken in this process: to
 * `start` resolving, to the first request the model server receives (any path), to the first
 * model call (the agent's inference endpoint), to the first turn completing; `stop()` is timed
 * from its own call. One unmeasured warm-up sample per runtime first (it fills the page cache).
 * Prints median, p90 (nearest rank), min and max; never judges them. Checks its own work: each
 * sample emits `session_started` and `turn_completed`, reaches the model, and leaves no process.
 *
 * Node type stripping cannot load the test fakes (`.js` specifiers naming `.ts` files), so this
 * benchmark runs with tsx's ESM loader: `npm run build && npx node --import tsx/esm bench/runtime-start.bench.ts`
 * (`bench/run.ts` does that for it; `tsx/esm`, because plain `tsx` also hooks `require()` and
 * breaks the daemon's lazy `require('execa')`). Environment: `SYMPHONY_BENCH_SAMPLES` (default 5),
 * `SYMPHONY_BENCH_RUNTIMES` (comma-separated kinds, default all three).
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildServiceConfig } from '../dist/config/build.js';
import type { RawMap } from '../dist/config/collector.js';
import type { ServiceConfig } from '../dist/config/types.js';
import { silentLogger } from '../dist/logging/logger.js';
import { isRuntimeKind, RUNTIME_KINDS, type RuntimeKind } from '../dist/runner/kinds.js';
import { runtimeProfile } from '../dist/runner/registry.js';
import type { RuntimeStartRequest } from '../dist/runner/runtime.js';
import type { WorkerSession } from '../dist/runner/worker.js';
import { trackerProfiles } from '../dist/tracker/registry.js';
import { descendantPids, EventLog, processAlive } from '../test/runner/helpers.js';
import { codexCommand } from '../test/support/codex.js';
import { startFakeAnthropic } from '../test/support/fake-anthropic/index.js';
import { geminiCommand, startFakeGemini } from '../test/support/fake-gemini/index.js';
import { startFakeModel } from '../test/support/fake-model/index.js';
import { recordArrivals, type Arrival } from './lib/arrivals.js';
import { printEnvironment, printTable, quantile, type Row } from './lib/harness.js';

const SAMPLES = Number(process.env.SYMPHONY_BENCH_SAMPLES ?? 5);
if (!Number.isInteger(SAMPLES) || SAMPLES < 1) throw new Error(`bench runtime-start: SYMPHONY_BENCH_SAMPLES must be a positive integer (got ${process.env.SYMPHONY_BENCH_SAMPLES})`);
/** Bound on every runtime wait (startup, each read, turn silence), ms: a hung agent fails the run. */
const BOUND_MS = 60_000;
/** How long a process the session started may take to disappear after `stop()`, ms. */
const REAP_MS = 5_000;
const PROMPT = { text: 'Say hello.', title: 'BENCH-1: runtime start' };

/** How one runtime is configured against its fake model server. */
interface Subject {
  readonly kind: RuntimeKind;
  /** The agent that runs, for people. */
  readonly agent: string;
  /** The fake's base URL (its port identifies its arrivals). */
  readonly baseUrl: string;
  /** Whether a request path is the agent's inference endpoint (others: utility calls). */
  isModelCall(url: string): boolean;
  /** That endpoint, for people. */
  readonly modelEndpoint: string;
  /** The runtime's front-matter section(s) for a sample whose HOME is `home`. */
  sections(home: string): RawMap;
  /** Variables besides PATH and HOME in the agent's base environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Model calls the fake has answered so far. */
  modelCalls(): number;
  close(): Promise<void>;
}

async function codexSubject(): Promise<Subject> {
  const model = await startFakeModel(() => ({ type: 'message', text: 'done' }));
  return {
    kind: 'codex',
    agent: 'codex app-server (@openai/codex)',
    baseUrl: model.baseUrl,
    isModelCall: (url) => url.startsWith('/v1/responses'),
    modelEndpoint: 'POST /v1/responses',
    sections: (home) => ({
      codex: {
        command: codexCommand({ modelBaseUrl: model.baseUrl, codexHome: path.join(home, '.codex') }),
        approval_policy: 'never',
        read_timeout_ms: BOUND_MS,
        startup_timeout_ms: BOUND_MS,
        turn_timeout_ms: BOUND_MS,
      },
    }),
    env: {},
    modelCalls: () => model.requests.length,
    close: () => model.close(),
  };
}

async function claudeSubject(): Promise<Subject> {
  const model = await startFakeAnthropic(() => ({ type: 'text', text: 'done' }));
  return {
    kind: 'claude',
    agent: 'Claude Code (@anthropic-ai/claude-agent-sdk)',
    baseUrl: model.baseUrl,
    isModelCall: (url) => url.split('?')[0] === '/v1/messages',
    modelEndpoint: 'POST /v1/messages',
    sections: () => ({ claude: { approval_policy: 'allow', startup_timeout_ms: BOUND_MS, turn_timeout_ms: BOUND_MS } }),
    env: { ANTHROPIC_BASE_URL: model.baseUrl, ANTHROPIC_API_KEY: 'sk-ant-bench-runtime-start' },
    modelCalls: () => model.requests.length,
    close: () => model.close(),
  };
}

async function acpSubject(): Promise<Subject> {
  const gemini = await startFakeGemini(() => ({ type: 'text', text: 'done' }));
  return {
    kind: 'acp',
    agent: 'gemini --acp (@google/gemini-cli)',
    baseUrl: gemini.baseUrl,
    isModelCall: (url) => url.includes(':streamGenerateContent'),
    modelEndpoint: ':streamGenerateContent',
    sections: (home) => ({
      acp: {
        command: geminiCommand({ baseUrl: gemini.baseUrl, home }),
        auth_method: 'gemini-api-key',
        approval_policy: 'allow',
        read_timeout_ms: BOUND_MS,
        startup_timeout_ms: BOUND_MS,
        turn_timeout_ms: BOUND_MS,
      },
    }),
    env: {},
    modelCalls: () => gemini.requests.length,
    close: () => gemini.close(),
  };
}

const SUBJECTS: Readonly<Record<RuntimeKind, () => Promise<Subject>>> = { codex: codexSubject, claude: claudeSubject, acp: acpSubject };

/** The workflow config of one sample, built the way the daemon builds it from front matter. */
function sampleConfig(subject: Subject, dir: string, workspaceRoot: string, home: string): ServiceConfig {
  const raw: RawMap = {
    tracker: { kind: 'linear', provider: { api_key: 'lin_api_bench_runtime_start', project_slug: 'bench-runtime-start' } },
    workspace: { root: workspaceRoot },
    agent: { runtime: subject.kind },
    ...subject.sections(home),
  };
  const built = buildServiceConfig(raw, { workflowPath: path.join(dir, 'WORKFLOW.md'), env: {}, profiles: trackerProfiles });
  if (built.config === undefined) throw new Error(`bench runtime-start: ${subject.kind} config rejected: ${built.errors.map((issue) => issue.message).join('; ')}`);
  return built.config;
}

/** The figures of one sample, ms. */
interface Sample {
  readonly startMs: number;
  readonly firstRequestMs: number;
  readonly firstModelCallMs: number;
  readonly turnMs: number;
  readonly stopMs: number;
  /** `METHOD path` of every request the model server received, in order. */
  readonly requests: readonly string[];
}

/** `/proc/<pid>/cmdline` as one line, for an error message. */
async function commandLine(pid: number): Promise<string> {
  const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return `${pid} ${raw.split('\0').join(' ').trim().slice(0, 160)}`;
}

/**
 * Waits up to {@link REAP_MS} until no live descendant of this process is left that was not there
 * before the sample (`before`); kills the ones that are and throws, naming them.
 */
async function assertNoneLeft(before: ReadonlySet<number>, kind: string): Promise<void> {
  const deadline = performance.now() + REAP_MS;
  let left: number[] = [];
  do {
    left = descendantPids(process.pid).filter((pid) => !before.has(pid) && processAlive(pid));
    if (left.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (performance.now() < deadline);
  const lines = await Promise.all(left.map(commandLine));
  for (const pid of left) process.kill(pid, 'SIGKILL');
  throw new Error(`bench runtime-start: ${kind}: processes left ${REAP_MS} ms after stop(): ${lines.join('; ')}`);
}

/** One dispatch: start, first turn, stop; the model server's arrivals give the first-request times. */
async function sampleOnce(subject: Subject): Promise<Sample> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-bench-runtime-'));
  const arrivals = recordArrivals(subject.baseUrl);
  const before = new Set(descendantPids(process.pid));
  let session: WorkerSession | null = null;
  try {
    const home = path.join(dir, 'home');
    const workspaceRoot = path.join(dir, 'workspaces');
    const workspacePath = path.join(workspaceRoot, 'BENCH-1');
    await mkdir(path.join(home, '.codex'), { recursive: true }); // CODEX_HOME for codex; unused by the others
    await mkdir(workspacePath, { recursive: true });
    const log = new EventLog();
    const request: RuntimeStartRequest = {
      config: sampleConfig(subject, dir, workspaceRoot, home),
      workspacePath,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...subject.env },
      secretEnvNames: [],
      operatorChannel: false,
      tools: [],
      executeTool: () => Promise.resolve({ success: false, text: 'no tools in this benchmark' }),
      onEvent: log.sink,
      logger: silentLogger(),
      signal: new AbortController().signal,
      clientVersion: '0.0.0-bench',
      sessionLog: null,
    };
    const callsBefore = subject.modelCalls();
    const t0 = performance.now();
    session = await runtimeProfile(subject.kind).start(request);
    const startMs = performance.now() - t0;
    await session.runTurn(PROMPT);
    const turnMs = performance.now() - t0;
    const stopping = session;
    session = null;
    const s0 = performance.now();
    await stopping.stop();
    const stopMs = performance.now() - s0;
    await assertNoneLeft(before, subject.kind);

    const seen: readonly Arrival[] = arrivals.drain();
    const firstModelCall = seen.find((arrival) => subject.isModelCall(arrival.url));
    if (seen[0] === undefined || firstModelCall === undefined || subject.modelCalls() === callsBefore) {
      throw new Error(`bench runtime-start: ${subject.kind}: the first turn completed without a model call (requests: ${JSON.stringify(seen)})`);
    }
    if (log.named('session_started').length !== 1 || log.named('turn_completed').length < 1) {
      throw new Error(`bench runtime-start: ${subject.kind}: expected one session_started and a turn_completed, got ${log.events.map((event) => event.event).join(', ')}`);
    }
    return {
      startMs,
      firstRequestMs: seen[0].atMs - t0,
      firstModelCallMs: firstModelCall.atMs - t0,
      turnMs,
      stopMs,
      requests: seen.map((arrival) => `${arrival.method} ${arrival.url.split('?')[0] ?? ''}`),
    };
  } finally {
    arrivals.close();
    await session?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** One row of figures over `values` (ms). */
function figures(values: readonly number[]): Row {
  const sorted = [...values].sort((a, b) => a - b);
  return { samples: sorted.length, 'median ms': quantile(sorted, 0.5), 'p90 ms': quantile(sorted, 0.9), 'min ms': sorted[0] ?? null, 'max ms': sorted.at(-1) ?? null };
}

/** `n × METHOD path` for each distinct request of one sample, in first-seen order. */
function requestMix(requests: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const request of requests) counts.set(request, (counts.get(request) ?? 0) + 1);
  return [...counts].map(([request, count]) => `${count} × ${request}`).join(', ');
}

function selectedKinds(): RuntimeKind[] {
  const listed = process.env.SYMPHONY_BENCH_RUNTIMES;
  if (listed === undefined || listed.trim() === '') return [...RUNTIME_KINDS];
  const kinds = listed.split(',').map((kind) => kind.trim());
  const unknown = kinds.filter((kind) => !isRuntimeKind(kind));
  if (unknown.length > 0) throw new Error(`bench runtime-start: SYMPHONY_BENCH_RUNTIMES names unknown kinds ${unknown.join(', ')} (known: ${RUNTIME_KINDS.join(', ')})`);
  return kinds.filter(isRuntimeKind);
}

printEnvironment('runtime-start.bench.ts');
const rows: Row[] = [];
const notes: string[] = [];
for (const kind of selectedKinds()) {
  const subject = await SUBJECTS[kind]();
  try {
    await sampleOnce(subject);
    const samples: Sample[] = [];
    for (let i = 0; i < SAMPLES; i++) samples.push(await sampleOnce(subject));
    // The first model call gets a row of its own only when a utility request comes before it.
    const utilityFirst = samples.some((sample) => sample.firstModelCallMs !== sample.firstRequestMs);
    const stages: [string, (sample: Sample) => number][] = [
      ['start() resolved', (sample) => sample.startMs],
      ['first request to the model server', (sample) => sample.firstRequestMs],
      ['first turn completed', (sample) => sample.turnMs],
      ['stop() (from its call)', (sample) => sample.stopMs],
    ];
    if (utilityFirst) stages.splice(2, 0, [`first model call (${subject.modelEndpoint})`, (sample) => sample.firstModelCallMs]);
    for (const [stage, pick] of stages) rows.push({ name: `${kind}: ${stage}`, ...figures(samples.map(pick)) });
    notes.push(`- ${kind}: ${subject.agent}; model server requests per sample: ${[...new Set(samples.map((sample) => requestMix(sample.requests)))].join(' | ')}`);
  } finally {
    await subject.close();
  }
}
printTable(`Dispatch → first model request per runtime (ms from profile.start(); ${SAMPLES} samples after 1 warm-up)`, rows);
console.log(`\n${notes.join('\n')}`);

/**
 * Startup time of the CLI (issue 7 item 4), each run in a fresh process:
 * (a) `await import('dist/cli/main.js')` alone, timed inside the child;
 * (b) spawn of `bin/symphony.js <workflow>` until its first tracker request reaches a fake Linear
 *     GraphQL server on 127.0.0.1 (this file's own tiny server), without and with `--port 0`.
 *     The daemon is then stopped with SIGTERM and must exit 0.
 * Prints figures only (median and min of several runs); never judges them.
 *
 * Run: `npm run build && npx node bench/startup.bench.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Harness from './lib/harness.js';

// Node needs the real `.ts` extension, which tsc rejects in a static import: load dynamically, typed above.
const { printTable, printEnvironment, quantile } = (await import(new URL('./lib/harness.ts', import.meta.url).href)) as typeof Harness;

const RUNS = 7;
const API_KEY = 'lin_api_bench_startup_0d9e';
const KEY_ENV = 'SYMPHONY_BENCH_LINEAR_KEY';
const PROJECT = 'bench-startup';
/** A daemon that sends no request (or does not stop) within this long fails the benchmark. */
const BOUND_MS = 20_000;

const mainJs = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const binJs = fileURLToPath(new URL('../bin/symphony.js', import.meta.url));
if (!existsSync(mainJs)) throw new Error(`bench startup: ${mainJs} is missing; run \`npm run build\` first`);

/** The answer to every POST: one valid, empty page of issues. */
const EMPTY_PAGE = JSON.stringify({ data: { issues: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } });

/** One POST the fake Linear received: when (performance.now() of this process) and what. */
interface Arrival {
  readonly atMs: number;
  /** The operation the GraphQL document names (`query Name(…)`), or null. */
  readonly operationName: string | null;
  readonly projectSlug: unknown;
  readonly authorized: boolean;
}

/** A fake Linear endpoint that answers every POST with {@link EMPTY_PAGE} and tells `onRequest`. */
async function startEndpoint(onRequest: (arrival: Arrival) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const atMs = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: { query?: unknown; variables?: { projectSlug?: unknown } } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // recorded with undefined fields; the check below fails the run
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(EMPTY_PAGE);
      const operationName = typeof body.query === 'string' ? (/\bquery\s+(\w+)/.exec(body.query)?.[1] ?? null) : null;
      onRequest({ atMs, operationName, projectSlug: body.variables?.projectSlug, authorized: req.headers.authorization === API_KEY });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Rejects after `ms` unless `promise` settles first. */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench startup: no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** (a) One fresh process importing dist/cli/main.js; returns the import time it measured, ms. */
async function importOnce(): Promise<number> {
  const script = `const t0 = performance.now(); await import(${JSON.stringify(new URL('../dist/cli/main.js', import.meta.url).href)}); process.stdout.write(String(performance.now() - t0));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const [code] = (await bounded(once(child, 'exit'), BOUND_MS, 'import exit')) as [number | null];
  const ms = Number(out);
  if (code !== 0 || !Number.isFinite(ms) || ms <= 0) throw new Error(`bench startup: import of ${mainJs} failed (exit ${code}, output ${JSON.stringify(out)})`);
  return ms;
}

/** Temp HOME and workflow dir for one daemon run. */
async function workflowIn(dir: string, endpoint: string): Promise<string> {
  const front = [
    'tracker:',
    '  kind: linear',
    '  provider:',
    `    api_key: $${KEY_ENV}`,
    `    project_slug: ${PROJECT}`,
    `    endpoint: ${JSON.stringify(endpoint)}`,
    'polling:',
    '  interval_ms: 60000',
    'workspace:',
    `  root: ${JSON.stringify(path.join(dir, 'workspaces'))}`,
    'codex:',
    '  command: "false"',
  ];
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  await writeFile(workflowPath, `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}: {{ issue.title }}.\n`);
  return workflowPath;
}

/**
 * (b) Spawns the daemon and resolves with the ms from spawn to its first tracker request; then
 * SIGTERMs it and checks the exit (code 0) and, with `--port 0`, that the HTTP server listened.
 */
async function spawnOnce(withPort: boolean): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-bench-startup-'));
  let child: ChildProcess | null = null;
  let firstRequest: (arrival: Arrival) => void = () => undefined;
  const first = new Promise<Arrival>((resolve) => (firstRequest = resolve));
  const linear = await startEndpoint((arrival) => firstRequest(arrival));
  try {
    const workflowPath = await workflowIn(dir, linear.url);
    const home = path.join(dir, 'home');
    await mkdir(home);
    const args = [binJs, workflowPath, ...(withPort ? ['--port', '0'] : [])];
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, [KEY_ENV]: API_KEY };
    const t0 = performance.now();
    const spawned = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = spawned;
    let stdout = '';
    let stderr = '';
    spawned.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    spawned.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(spawned, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const arrival = await bounded(Promise.race([first, exited.then(() => Promise.reject(new Error(`bench startup: daemon exited before any request: ${stderr}`)))]), BOUND_MS, 'tracker request');
    const ms = arrival.atMs - t0;
    if (arrival.operationName !== 'SymphonyIssuesByStates' || arrival.projectSlug !== PROJECT || !arrival.authorized) {
      throw new Error(`bench startup: unexpected first request ${JSON.stringify(arrival)}`);
    }
    spawned.kill('SIGTERM');
    const [code, signal] = await bounded(exited, BOUND_MS, 'exit after SIGTERM');
    child = null;
    if (code !== 0) throw new Error(`bench startup: daemon exited with ${code ?? signal} after SIGTERM: ${stderr}`);
    if (withPort !== stdout.includes('"http server listening"')) throw new Error(`bench startup: http server listening: expected ${withPort}; stdout:\n${stdout}`);
    return ms;
  } finally {
    child?.kill('SIGKILL');
    await linear.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `once` {@link RUNS} times in sequence (one warm-up run first, to fill the page cache). */
async function runs(once: () => Promise<number>): Promise<Harness.Row> {
  await once();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) ms.push(await once());
  ms.sort((a, b) => a - b);
  return { runs: RUNS, 'median ms': quantile(ms, 0.5), 'min ms': ms[0] ?? null, 'max ms': ms[ms.length - 1] ?? null };
}

printEnvironment('startup.bench.ts');

printTable('CLI startup, fresh process per run (ms)', [
  { name: 'import dist/cli/main.js', ...(await runs(importOnce)) },
  { name: 'spawn → first tracker request', ...(await runs(() => spawnOnce(false))) },
  { name: 'spawn → first tracker request, --port 0', ...(await runs(() => spawnOnce(true))) },
]);

/**
 * What the daemon loads to start (issue 7 item 4), and a stop signal that arrives as startup ends.
 * The real `bin/symphony.js` runs off a terminal (stdout is a pipe) against a minimal GraphQL
 * endpoint on 127.0.0.1 that answers every POST with an empty page of issues, so nothing is
 * dispatched. `test/support/fixtures/record-modules.mjs` (NODE_OPTIONS=--import) records every
 * module the process resolves, whether by `import`, `import()` or `require`.
 */
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/codex.js';
import { NODE_BIN, startDaemon, SYMPHONY_BIN, type Daemon } from '../support/daemon.js';
import { daemonFrontMatter } from '../support/daemon-workflow.js';

const API_KEY = 'lin_api_startup_test_5c1e9a';
const KEY_ENV = 'SYMPHONY_STARTUP_LINEAR_KEY';
const RECORDER = pathToFileURL(path.join(REPO_ROOT, 'test', 'support', 'fixtures', 'record-modules.mjs')).href;
const EMPTY_PAGE = JSON.stringify({ data: { issues: { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A GraphQL endpoint answering every POST with {@link EMPTY_PAGE}; `afterAnswer` runs on the next timer turn after each answer. */
async function startEndpoint(afterAnswer: () => void = () => undefined): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(EMPTY_PAGE);
      setTimeout(afterAnswer, 0);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

interface Setup {
  readonly dir: string;
  readonly workflowPath: string;
  /** Where the recorder writes the module URLs. */
  readonly modulesFile: string;
  /** The daemon's whole environment: an empty HOME, the key, and the recorder. */
  readonly env: NodeJS.ProcessEnv;
}

async function setup(endpoint: string): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmpdir(), 'symphony-startup-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'home'));
  const front = daemonFrontMatter({ endpoint, keyEnv: KEY_ENV, projectSlug: 'startup', root: path.join(dir, 'workspaces'), command: 'false' });
  const workflowPath = path.join(dir, 'WORKFLOW.md');
  await writeFile(workflowPath, `---\n${front.join('\n')}\n---\n\nWork on {{ issue.identifier }}: {{ issue.title }}.\n`);
  const modulesFile = path.join(dir, 'modules.txt');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: path.join(dir, 'home'),
    [KEY_ENV]: API_KEY,
    NODE_OPTIONS: `--import=${RECORDER}`,
    RECORD_MODULES_FILE: modulesFile,
  };
  return { dir, workflowPath, modulesFile, env };
}

function launch(s: Setup, args: readonly string[] = []): Daemon {
  const daemon = startDaemon([s.workflowPath, ...args], { cwd: s.dir, env: s.env });
  cleanups.push(() => daemon.destroy());
  return daemon;
}

/** Runs the daemon until its first tracker answer has been handled, then stops it (exit 0). */
async function untilFirstAnswer(daemon: Daemon): Promise<void> {
  await daemon.waitForLog((line) => line.msg === 'startup terminal workspace cleanup', 'the startup cleanup (first tracker answer)');
  daemon.signal('SIGTERM');
  expect(await daemon.waitForExit()).toEqual({ exitCode: 0, signal: null });
}

/** What the process loaded: package names under node_modules and our own files under dist/. */
async function loaded(modulesFile: string): Promise<{ packages: Set<string>; ours: Set<string> }> {
  const urls = (await readFile(modulesFile, 'utf8')).split('\n').filter((line) => line !== '');
  const packages = new Set<string>();
  const ours = new Set<string>();
  for (const url of urls) {
    const inPackage = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (inPackage?.[1] !== undefined) packages.add(inPackage[1]);
    else if (url.startsWith(pathToFileURL(path.join(REPO_ROOT, 'dist')).href)) ours.add(path.relative(path.join(REPO_ROOT, 'dist'), new URL(url).pathname));
  }
  return { packages, ours };
}

const SERVER_AND_METRICS = ['fastify', 'prom-client'];

describe('startup loads only what it needs (issue 7 item 4)', () => {
  it('without a port and off a terminal: no HTTP server, metrics, check code, terminal view, graphql, execa or simple-git', async () => {
    const s = await setup(await startEndpoint());
    await untilFirstAnswer(launch(s));
    const { packages, ours } = await loaded(s.modulesFile);
    // The recorder sees both `import` (pino, yaml) and `require`: liquidjs is required for the
    // startup validation of the prompt template, which must fail startup before any request.
    for (const needed of ['pino', 'yaml', 'liquidjs']) expect(packages).toContain(needed);
    // The Linear SDK is not loaded at all: the transport builds its two headers itself.
    for (const unneeded of [...SERVER_AND_METRICS, '@linear/sdk', 'graphql', 'execa', 'simple-git']) expect(packages).not.toContain(unneeded);
    expect(ours).toContain('service/service.js');
    const lazy = [...ours].filter((file) => /^(server|metrics)\/|^cli\/(check|terminal-status|status-view)\.js$/.test(file));
    expect(lazy).toEqual([]);
  });

  it('with --port 0: the server and the metrics are loaded, and tracker requests are counted', async () => {
    const s = await setup(await startEndpoint());
    const daemon = launch(s, ['--port', '0']);
    const listening = await daemon.waitForLog((line) => line.msg === 'http server listening', 'the http server');
    await daemon.waitForLog((line) => line.msg === 'startup terminal workspace cleanup', 'the startup cleanup (first tracker answer)');
    const scrape = await fetch(`${String(listening.url)}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/^symphony_tracker_request_duration_seconds_count\{operation="SymphonyIssuesByStates"\} [1-9]/m);
    daemon.signal('SIGTERM');
    expect(await daemon.waitForExit()).toEqual({ exitCode: 0, signal: null });
    const { packages, ours } = await loaded(s.modulesFile);
    for (const needed of SERVER_AND_METRICS) expect(packages).toContain(needed);
    expect(ours).toContain('server/server.js');
    expect(ours).toContain('metrics/daemon-metrics.js');
  });

  it('`symphony --version` loads none of the daemon', async () => {
    const s = await setup('http://127.0.0.1:9/graphql');
    const result = await execa(NODE_BIN, [SYMPHONY_BIN, '--version'], { cwd: s.dir, env: s.env, extendEnv: false, reject: false });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^symphony \d+\.\d+\.\d+/);
    const { packages, ours } = await loaded(s.modulesFile);
    for (const unneeded of [...SERVER_AND_METRICS, '@linear/sdk', 'liquidjs', 'yaml', 'chokidar', 'execa']) expect(packages).not.toContain(unneeded);
    expect(ours).toContain('cli/main.js');
    expect(ours).not.toContain('service/service.js');
  });
});

describe('a stop signal as startup ends', () => {
  it('a SIGTERM sent with the first tracker answer stops the daemon (exit 0), three times out of three', async () => {
    for (let run = 0; run < 3; run++) {
      let daemon: Daemon | null = null;
      let signalled = false;
      const s = await setup(
        await startEndpoint(() => {
          if (signalled || daemon === null) return;
          signalled = true;
          daemon.signal('SIGTERM');
        }),
      );
      daemon = launch(s);
      // Before the fix the signal was lost when it landed in the step from startup to running.
      expect(await daemon.waitForExit()).toEqual({ exitCode: 0, signal: null });
      expect(daemon.logs.some((line) => line.msg === 'shutdown requested' || line.msg === 'signal during startup: exiting (startup cleanup runs again at the next start)')).toBe(true);
    }
  });
});

/** Shared helpers for the app-server session tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../src/logging/logger.js';
import type { AppServerSessionOptions } from '../../src/runner/app-server/session.js';
import type { AgentEvent, AgentEventName } from '../../src/domain/agent-event.js';
import { REPO_ROOT, shellQuote } from '../support/codex.js';

/** Node 24 from node_modules (never the system node). */
export const NODE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-app-server.mjs');

/** `codex.command` running the scripted fake app-server with `scenario`. */
export function fakeServerCommand(scenario: string): string {
  return `${shellQuote(NODE_BIN)} ${shellQuote(FIXTURE)} ${scenario}`;
}

/** A workspace root with one issue workspace inside it. */
/**
 * Front matter lines of a memory-tracker workflow whose agent is the fake app-server running
 * `scenario`, with `max_turns: 1`; `codex` and `agent` take extra lines (already indented).
 */
export function fakeAgentWorkflow(dir: string, scenario: string, extra: { readonly codex?: readonly string[]; readonly agent?: readonly string[] } = {}): string[] {
  return [
    'tracker:',
    '  kind: memory',
    'workspace:',
    `  root: ${JSON.stringify(path.join(dir, 'workspaces'))}`,
    'codex:',
    `  command: ${JSON.stringify(fakeServerCommand(scenario))}`,
    ...(extra.codex ?? []),
    'agent:',
    '  max_turns: 1',
    ...(extra.agent ?? []),
  ];
}

/**
 * Per-test session scaffolding: before each test a fresh workspace and {@link EventLog} are made
 * and handed to `assign`; after it every session in `sessions` is stopped (and the array emptied)
 * and the workspace removed. Call at the top level of a `describe` or file.
 */
export function perTestSession(sessions: { stop(): Promise<void> }[], assign: (fresh: { readonly ws: TestWorkspace; readonly log: EventLog }) => void): void {
  let current: TestWorkspace | null = null;
  beforeEach(async () => {
    current = await makeWorkspace();
    assign({ ws: current, log: new EventLog() });
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((session) => session.stop()));
    await current?.cleanup();
    current = null;
  });
}

export interface TestWorkspace {
  readonly root: string;
  readonly workspace: string;
  cleanup(): Promise<void>;
}

/** Creates `<tmp>/symphony-runner-*` with a `ABC-1` workspace inside. */
export async function makeWorkspace(): Promise<TestWorkspace> {
  const root = await mkdtemp(path.join(tmpdir(), 'symphony-runner-'));
  const workspace = path.join(root, 'ABC-1');
  await mkdir(workspace);
  return { root, workspace, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Collects agent events; tests await events instead of sleeping. */
export class EventLog {
  readonly events: AgentEvent[] = [];
  private readonly waiters: { match: (event: AgentEvent) => boolean; resolve: (event: AgentEvent) => void }[] = [];

  /** The sink to pass as `onEvent`. */
  readonly sink = (event: AgentEvent): void => {
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(event)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    }
  };

  /** Events named `name`, in order. */
  named(name: AgentEventName): AgentEvent[] {
    return this.events.filter((event) => event.event === name);
  }

  /** Resolves with the first (past or future) event named `name` matching `match`. */
  waitFor(name: AgentEventName, match: (event: AgentEvent) => boolean = () => true): Promise<AgentEvent> {
    const test = (event: AgentEvent): boolean => event.event === name && match(event);
    const seen = this.events.find(test);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match: test, resolve }));
  }
}

/** Session options with test defaults; `overrides` win. */
export function sessionOptions(ws: TestWorkspace, log: EventLog, overrides: Partial<AppServerSessionOptions>): AppServerSessionOptions {
  return {
    command: fakeServerCommand('ok'),
    workspacePath: ws.workspace,
    workspaceRoot: ws.root,
    env: { ...process.env },
    secretEnvNames: [],
    approvalPolicy: 'never',
    threadSandbox: 'workspace-write',
    turnSandboxPolicy: null,
    readTimeoutMs: 10_000,
    turnTimeoutMs: 30_000,
    tools: [],
    executeTool: () => Promise.resolve({ success: false, text: 'no tools in this test' }),
    onEvent: log.sink,
    logger: silentLogger(),
    ...overrides,
  };
}

/** True while any process in group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of every live descendant of `pid` (Linux `/proc`), found through parent links. */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** True when `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

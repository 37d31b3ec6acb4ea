/**
 * Front matter for daemon tests that run `bin/symphony.js` against the fake Linear: one place for
 * the tracker/polling/workspace/hooks/codex sections those tests share.
 */

/** What varies between daemon tests. */
export interface DaemonFrontMatterOptions {
  /** The fake Linear's `url`. */
  readonly endpoint: string;
  /** Environment variable the API key is read from (`api_key: $NAME`). */
  readonly keyEnv: string;
  readonly projectSlug: string;
  /** Absolute workspace root. */
  readonly root: string;
  /** `codex.command`. */
  readonly command: string;
  /** Hook name → script; `hooks.timeout_ms` is then 120000. */
  readonly hooks?: Readonly<Record<string, string>>;
  readonly requestTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  /** `codex.startup_timeout_ms`. */
  readonly startupTimeoutMs?: number;
  readonly maxConcurrentAgents?: number;
  /** `agent.max_concurrent_launches`. */
  readonly maxConcurrentLaunches?: number;
  /** `agent.max_turns`. */
  readonly maxTurns?: number;
}

/** The YAML front matter lines (without the `---` fences). Polling is slow: tests drive ticks by events. */
export function daemonFrontMatter(o: DaemonFrontMatterOptions): string[] {
  const hooks = Object.entries(o.hooks ?? {}).map(([name, script]) => `  ${name}: ${JSON.stringify(script)}`);
  return [
    'tracker:',
    '  kind: linear',
    '  provider:',
    `    api_key: $${o.keyEnv}`,
    `    project_slug: ${o.projectSlug}`,
    `    endpoint: ${JSON.stringify(o.endpoint)}`,
    ...(o.requestTimeoutMs === undefined ? [] : [`    request_timeout_ms: ${o.requestTimeoutMs}`]),
    'polling:',
    '  interval_ms: 60000',
    'workspace:',
    `  root: ${JSON.stringify(o.root)}`,
    ...(hooks.length > 0 ? ['hooks:', ...hooks, '  timeout_ms: 120000'] : []),
    ...agentSection(o),
    'codex:',
    `  command: ${JSON.stringify(o.command)}`,
    ...(o.readTimeoutMs === undefined ? [] : [`  read_timeout_ms: ${o.readTimeoutMs}`]),
    ...(o.startupTimeoutMs === undefined ? [] : [`  startup_timeout_ms: ${o.startupTimeoutMs}`]),
  ];
}

function agentSection(o: DaemonFrontMatterOptions): string[] {
  const keys = [
    ...(o.maxConcurrentAgents === undefined ? [] : [`  max_concurrent_agents: ${o.maxConcurrentAgents}`]),
    ...(o.maxConcurrentLaunches === undefined ? [] : [`  max_concurrent_launches: ${o.maxConcurrentLaunches}`]),
    ...(o.maxTurns === undefined ? [] : [`  max_turns: ${o.maxTurns}`]),
  ];
  return keys.length === 0 ? [] : ['agent:', ...keys];
}

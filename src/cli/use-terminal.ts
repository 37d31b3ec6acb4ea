/**
 * Whether the CLI shows the terminal status view (spec §13.4). Kept apart from
 * `terminal-status.ts` so the CLI decides without loading the view, which it imports only on a
 * terminal.
 */

/**
 * Whether the daemon should show the terminal status view instead of JSON log lines on stdout:
 * true when `stream` is a TTY, `TERM` is not `dumb`, and `SYMPHONY_NO_TUI` is unset (a value of
 * `''`, `0` or `false` counts as unset). Under a service manager stdout is not a TTY, so logs stay
 * JSON. Pure.
 */
export function shouldUseTerminalStatus(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const noTui = (env.SYMPHONY_NO_TUI ?? '').trim().toLowerCase();
  return stream.isTTY === true && env.TERM !== 'dumb' && (noTui === '' || noTui === '0' || noTui === 'false');
}

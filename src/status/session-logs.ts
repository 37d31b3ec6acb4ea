/**
 * Finding an issue's session logs (issue 3 item 4): the files the app-server client writes to
 * `<logs-root>/sessions/<workspace_key>/<session_id>.jsonl`.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { workspaceKey } from '../workspace/key.js';
import type { SessionLogLink } from './types.js';

/** Labels are session ids: `<thread_id>-<turn_id>`, never a path. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** The directory holding the session logs of `identifier`. */
export function sessionLogDir(logsRoot: string, identifier: string): string {
  return path.join(logsRoot, 'sessions', workspaceKey(identifier));
}

/** The session logs, newest first; empty when there are none or the directory is unreadable. */
export function listSessionLogs(logsRoot: string | null, identifier: string): SessionLogLink[] {
  if (logsRoot === null) return [];
  const dir = sessionLogDir(logsRoot, identifier);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return [];
  }
  const links: SessionLogLink[] = [];
  for (const name of names) {
    const label = name.slice(0, -'.jsonl'.length);
    if (!LABEL.test(label)) continue;
    try {
      const stat = statSync(path.join(dir, name));
      if (!stat.isFile()) continue;
      links.push({
        label,
        path: path.join(dir, name),
        url: `/api/v1/${encodeURIComponent(identifier)}/logs/${encodeURIComponent(label)}`,
        bytes: stat.size,
        modified_at: stat.mtime.toISOString(),
      });
    } catch {
      // removed meanwhile
    }
  }
  return links.sort((a, b) => b.modified_at.localeCompare(a.modified_at));
}

/** Absolute path of one session log by label, or null when the label is not a log of this issue. */
export function sessionLogFile(logsRoot: string | null, identifier: string, label: string): string | null {
  if (logsRoot === null || !LABEL.test(label)) return null;
  const file = path.join(sessionLogDir(logsRoot, identifier), `${label}.jsonl`);
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * Where Claude Code's session transcripts outlive a run (issue 9: resume after a daemon restart).
 *
 * Each run still gets an empty per-run `CLAUDE_CONFIG_DIR`, removed at stop; only its `projects/`
 * entry (where Claude Code writes `<sanitized cwd>/<session id>.jsonl` and the session's tool-result
 * files) is a symbolic link to `<tmpDir>/symphony-claude-sessions/<session id>/`. Claude Code writes
 * there itself, so a transcript survives both a stop and a daemon killed with SIGKILL, and a later
 * session started with the SDK's `resume: <session id>` finds it through the same link.
 *
 * A transcript is removed when its run ends for good ({@link discardTranscript}); ones left behind
 * (a run that was never resumed) are removed after {@link TRANSCRIPT_RETENTION_MS} by
 * {@link pruneTranscripts}. Directories are created mode 0700 and must be owned by this user.
 */
import { lstat, mkdir, readdir, rm, rmdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { SymphonyError } from '../../errors.js';

/** Name of the directory under the temporary directory that holds every retained transcript. */
export const TRANSCRIPTS_DIRNAME = 'symphony-claude-sessions';

/** How long a transcript nobody resumed or discarded is kept, ms (7 days). */
export const TRANSCRIPT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Claude Code session ids are UUIDs; anything else is never used as a path segment. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` has the shape of a Claude Code session id (a UUID). Pure. */
export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

/** `<tmpDir>/symphony-claude-sessions`. Pure. */
export function transcriptsRoot(tmpDir: string): string {
  return path.join(tmpDir, TRANSCRIPTS_DIRNAME);
}

/**
 * `<tmpDir>/symphony-claude-sessions/<sessionId>`. Pure.
 *
 * @throws SymphonyError `internal` when `sessionId` is not a UUID (callers check first).
 */
export function transcriptDir(tmpDir: string, sessionId: string): string {
  if (!isSessionId(sessionId)) throw new SymphonyError('internal', `not a Claude Code session id: ${sessionId}`);
  return path.join(transcriptsRoot(tmpDir), sessionId);
}

/** Creates `dir` (mode 0700) unless it exists; an existing one must be a real directory owned by us. */
async function ownDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new SymphonyError('internal', `${dir} is not a directory owned by this user; refusing to keep Claude Code transcripts there`);
  }
}

/**
 * Makes `<configDir>/projects` a link to the session's transcript directory (created when
 * missing), so Claude Code's transcript of `sessionId` lands outside the per-run config dir.
 *
 * @returns the transcript directory.
 * @throws SymphonyError `internal` when the transcripts root is not ours; fs errors otherwise.
 */
export async function linkTranscript(configDir: string, tmpDir: string, sessionId: string): Promise<string> {
  await ownDirectory(transcriptsRoot(tmpDir));
  const dir = transcriptDir(tmpDir, sessionId);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await symlink(dir, path.join(configDir, 'projects'), 'dir');
  return dir;
}

/**
 * Whether a transcript of `sessionId` is kept: `<transcript dir>/<project>/<sessionId>.jsonl`
 * exists for some project directory. Never throws (an unreadable directory counts as none).
 */
export async function hasTranscript(tmpDir: string, sessionId: string): Promise<boolean> {
  if (!isSessionId(sessionId)) return false;
  const dir = transcriptDir(tmpDir, sessionId);
  try {
    for (const project of await readdir(dir, { withFileTypes: true })) {
      if (!project.isDirectory()) continue;
      const files = await readdir(path.join(dir, project.name));
      if (files.includes(`${sessionId}.jsonl`)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/**
 * Removes the transcript of `sessionId` (the run ended for good), and the transcripts root when
 * that left it empty; never rejects.
 */
export async function discardTranscript(tmpDir: string, sessionId: string): Promise<void> {
  if (!isSessionId(sessionId)) return;
  await rm(transcriptDir(tmpDir, sessionId), { recursive: true, force: true }).catch(() => undefined);
  // Fails (and is ignored) while other transcripts are kept.
  await rmdir(transcriptsRoot(tmpDir)).catch(() => undefined);
}

/** Newest mtime (epoch ms) of `dir`, its project directories and their files. */
async function lastWrite(dir: string): Promise<number> {
  let newest = (await lstat(dir)).mtimeMs;
  for (const project of await readdir(dir, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    const projectDir = path.join(dir, project.name);
    newest = Math.max(newest, (await lstat(projectDir)).mtimeMs);
    for (const file of await readdir(projectDir)) newest = Math.max(newest, (await lstat(path.join(projectDir, file))).mtimeMs);
  }
  return newest;
}

/**
 * Removes transcripts last written more than `retentionMs` before `nowMs` (runs nobody resumed),
 * except `keep`. Never rejects.
 *
 * @param nowMs - epoch milliseconds.
 * @param retentionMs - default {@link TRANSCRIPT_RETENTION_MS}.
 */
export async function pruneTranscripts(tmpDir: string, nowMs: number, keep: string, retentionMs: number = TRANSCRIPT_RETENTION_MS): Promise<void> {
  const root = transcriptsRoot(tmpDir);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!isSessionId(name) || name === keep) continue;
    const dir = path.join(root, name);
    try {
      if ((await lstat(dir)).isDirectory() && nowMs - (await lastWrite(dir)) > retentionMs) await rm(dir, { recursive: true, force: true });
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
}

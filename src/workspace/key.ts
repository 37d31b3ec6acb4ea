/**
 * `workspace_key`: the directory name of an issue's workspace, derived from its identifier
 * (spec §4.2, §9.5 invariant 3). Pure.
 */
import { createHash } from 'node:crypto';

/** Characters outside `[A-Za-z0-9._-]`, one match per Unicode code point. */
const UNSAFE_CHARACTER = /[^A-Za-z0-9._-]/gu;

/** Hex digits of the SHA-256 suffix: 20 hex digits = 80 bits (the spec asks for at least 64). */
export const WORKSPACE_KEY_HASH_HEX_LENGTH = 20;

/** Longest key produced (bytes = characters, keys are ASCII); POSIX `NAME_MAX` is 255. */
export const WORKSPACE_KEY_MAX_LENGTH = 255;

/**
 * Derives the `workspace_key` of an issue identifier (spec §4.2, §9.5 invariant 3).
 *
 * - Every code point not in `[A-Za-z0-9._-]` is replaced with `_`.
 * - An identifier that sanitization leaves unchanged is its own key (`ABC-123` → `ABC-123`).
 * - Otherwise the key is `<sanitized>-<hash>`, where `<hash>` is the first
 *   {@link WORKSPACE_KEY_HASH_HEX_LENGTH} lowercase hex digits of SHA-256 over the UTF-8 bytes of
 *   the ORIGINAL identifier, so `ABC/1` and `ABC:1` (both `ABC_1`) get distinct keys.
 *
 * Names that would be unsafe as a directory name are treated as "changed" even though their
 * characters are allowed, so the key can never name the root, its parent, or exceed `NAME_MAX`:
 * - `''` → `_-<hash>`, `.` → `_-<hash>`, `..` → `__-<hash>` (dots replaced, hash appended);
 * - a name starting with `-` would read as an option to any command a hook passes it to
 *   (`rm -rf`, `git`…): its first character becomes `_` and the hash is appended
 *   (`-rf` → `_rf-<hash>`), so a key never starts with `-`;
 * - a key longer than {@link WORKSPACE_KEY_MAX_LENGTH} keeps its first 234 sanitized characters
 *   plus `-<hash>`.
 *
 * Deterministic: the same identifier always yields the same key. Never throws.
 *
 * Implements spec §4.2 ("Workspace Key") and §9.5 invariant 3.
 */
export function workspaceKey(identifier: string): string {
  const sanitized = identifier.replace(UNSAFE_CHARACTER, '_');
  if (sanitized === identifier && !isUnsafeName(identifier)) return identifier;
  const suffix = `-${identifierHash(identifier)}`;
  const base =
    sanitized === '' || sanitized === '.' || sanitized === '..'
      ? '_'.repeat(Math.max(1, sanitized.length))
      : sanitized.startsWith('-')
        ? `_${sanitized.slice(1)}`
        : sanitized;
  const room = WORKSPACE_KEY_MAX_LENGTH - suffix.length;
  return `${base.slice(0, room)}${suffix}`;
}

/** True for names that must not be used as a directory name as they are. */
function isUnsafeName(name: string): boolean {
  return name === '' || name === '.' || name === '..' || name.startsWith('-') || name.length > WORKSPACE_KEY_MAX_LENGTH;
}

/** First {@link WORKSPACE_KEY_HASH_HEX_LENGTH} hex digits of SHA-256(UTF-8 `identifier`). */
function identifierHash(identifier: string): string {
  return createHash('sha256').update(identifier, 'utf8').digest('hex').slice(0, WORKSPACE_KEY_HASH_HEX_LENGTH);
}

/**
 * Pure normalization of one Linear `Issue` node (as selected by `queries.ts`) into the spec's
 * Issue model (spec §4.1.1, §11.3), including the adapter-derived `dispatchable`.
 */
import { normalizeStateName, stateIn, type BlockerRef, type Issue } from '../../domain/issue.js';

/** What normalization needs besides the node. */
export interface NormalizeContext {
  /** Effective `tracker.terminal_states`: a blocker in one of these no longer blocks. */
  readonly terminalStates: readonly string[];
  /** Required assignee user id (`me` already resolved to the viewer id), or null for no routing. */
  readonly assigneeId: string | null;
}

/** A normalized issue, or why the node is malformed (with its id when one could be read). */
export type NormalizeResult =
  | { readonly ok: true; readonly issue: Issue }
  | { readonly ok: false; readonly id: string | null; readonly reason: string };

/**
 * Normalizes one node. Required: non-blank `id`, `identifier`, `title`, `state.name`; otherwise
 * the record is malformed. Optional fields fall back to null / `[]` when unusable: `description`
 * (any string), `branchName` and `url` (non-blank strings), `priority` (integer, Linear's float
 * kept only when whole; 0 = "no priority" is kept as 0 and sorts with unknown priorities),
 * `createdAt` / `updatedAt` (RFC 3339 → Date), labels (see {@link normalizeLabels}), blockers
 * (see {@link extractBlockers}). `nativeRef` = `{ linear_issue_id, team_id?, team_key? }`.
 *
 * `dispatchable` = routed to us (no assignee configured, or the issue's assignee id equals the
 * configured one) AND NOT (state is `todo` after trim+lowercase AND some blocker is not in a
 * terminal state; a blocker whose state is unknown counts as non-terminal).
 *
 * Implements spec §11.3 and the `dispatchable` rule of §4.1.1 for Linear.
 */
export function normalizeLinearIssue(node: unknown, context: NormalizeContext): NormalizeResult {
  if (!isRecord(node)) return { ok: false, id: null, reason: 'issue node is not an object' };
  const id = presentString(node.id);
  const identifier = presentString(node.identifier);
  const title = presentString(node.title);
  const state = isRecord(node.state) ? presentString(node.state.name) : null;
  if (id === null || identifier === null || title === null || state === null) {
    const fields: [string, string | null][] = [['id', id], ['identifier', identifier], ['title', title], ['state.name', state]];
    const missing = fields.filter(([, value]) => value === null).map(([name]) => name);
    return { ok: false, id, reason: `missing or blank ${missing.join(', ')}` };
  }

  const assigneeId = isRecord(node.assignee) ? presentString(node.assignee.id) : null;
  const blockedBy = extractBlockers(node.inverseRelations);
  const routed = context.assigneeId === null || assigneeId === context.assigneeId;
  const blocked =
    normalizeStateName(state) === 'todo' &&
    blockedBy.some((blocker) => blocker.state === null || !stateIn(blocker.state, context.terminalStates));

  const issue: Issue = {
    id,
    nativeRef: nativeRef(id, node.team),
    identifier,
    title,
    description: typeof node.description === 'string' ? node.description : null,
    priority: parsePriority(node.priority),
    state,
    branchName: presentString(node.branchName),
    url: presentString(node.url),
    assigneeId,
    labels: normalizeLabels(node.labels),
    blockedBy,
    dispatchable: routed && !blocked,
    createdAt: parseTimestamp(node.createdAt),
    updatedAt: parseTimestamp(node.updatedAt),
  };
  return { ok: true, issue };
}

/** Label names from `{ nodes: [{ name }] }`: trimmed, lowercased, blanks dropped, de-duplicated. */
export function normalizeLabels(connection: unknown): string[] {
  const nodes = isRecord(connection) && Array.isArray(connection.nodes) ? connection.nodes : [];
  const labels: string[] = [];
  for (const node of nodes) {
    if (!isRecord(node) || typeof node.name !== 'string') continue;
    const label = node.name.trim().toLowerCase();
    if (label !== '' && !labels.includes(label)) labels.push(label);
  }
  return labels;
}

/**
 * Blockers from `inverseRelations { nodes { type issue { id identifier state { name } } } }`:
 * relations of type `blocks` (trimmed, case-insensitive) whose `issue` — the issue that blocks
 * this one — is an object. Entries without one are dropped.
 */
export function extractBlockers(connection: unknown): BlockerRef[] {
  const nodes = isRecord(connection) && Array.isArray(connection.nodes) ? connection.nodes : [];
  const blockers: BlockerRef[] = [];
  for (const relation of nodes) {
    if (!isRecord(relation) || typeof relation.type !== 'string') continue;
    if (relation.type.trim().toLowerCase() !== 'blocks' || !isRecord(relation.issue)) continue;
    const other = relation.issue;
    blockers.push({
      id: presentString(other.id),
      identifier: presentString(other.identifier),
      state: isRecord(other.state) ? presentString(other.state.name) : null,
    });
  }
  return blockers;
}

/** An integer priority, or null (non-numbers and fractional values). */
export function parsePriority(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 timestamp as a Date, or null when absent, not RFC 3339, or not a calendar date. */
export function parseTimestamp(value: unknown): Date | null {
  const match = typeof value === 'string' ? RFC3339.exec(value.trim()) : null;
  if (!match || typeof value !== 'string') return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const date = new Date(value.trim().toUpperCase());
  return Number.isNaN(date.getTime()) ? null : date;
}

function nativeRef(id: string, team: unknown): Readonly<Record<string, unknown>> {
  const ref: Record<string, unknown> = { linear_issue_id: id };
  if (isRecord(team)) {
    const teamId = presentString(team.id);
    const teamKey = presentString(team.key);
    if (teamId !== null) ref.team_id = teamId;
    if (teamKey !== null) ref.team_key = teamKey;
  }
  return ref;
}

function presentString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

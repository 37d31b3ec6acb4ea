/**
 * How this client answers an ACP `session/request_permission` (the agent asks before running a
 * tool call). Pure: the request and the posture in, a decision out; the session performs it.
 * Every request gets exactly one answer.
 *
 * Posture (`acp.approval_policy`):
 * | policy | operator channel | answer |
 * |---|---|---|
 * | `allow` | any | the `allow_once` option (else `allow_always`) at once: `approval_auto_approved` |
 * | `deny` | any | the `reject_once` option (else `reject_always`, else `cancelled`): `approval_rejected` |
 * | `ask` (default) | yes | held for an operator (`operator_waiting`), see below |
 * | `ask` | no | as `deny` |
 * | any | any | a call of this daemon's own host-side tool ({@link isHostToolRequest}): `allow_once` |
 *
 * An operator answers with a decision, mapped to the agent's offered options by kind:
 * `accept` → `allow_once`, `acceptForSession` → `allow_always`, `decline` → `reject_once` (else
 * `reject_always`), `cancel` → outcome `cancelled` (always offered). Only decisions whose option
 * the agent offered are accepted. Unanswered within `agent.operator_timeout_ms` (or when the turn
 * ends first) the request is answered `cancelled`.
 */
import { oneLine } from '../../errors.js';
import type { AcpApprovalPolicy } from '../../config/types.js';
import { APPROVAL_DECISIONS, type ApprovalDecision } from '../../domain/operator.js';
import type { OperatorRequestDraft } from '../app-server/operator-requests.js';
import { toolCommand } from './updates.js';

/** The ACP method of permission requests. */
export const REQUEST_PERMISSION = 'session/request_permission';

/** An ACP `RequestPermissionOutcome`. */
export type PermissionOutcome = { readonly outcome: 'cancelled' } | { readonly outcome: 'selected'; readonly optionId: string };

/** One offered option, as the agent sent it (`kind` is `allow_once`, `allow_always`, `reject_once`, `reject_always`). */
export interface PermissionOption {
  readonly optionId: string;
  readonly name: string;
  readonly kind: string;
}

/** What to do with one permission request. */
export type PermissionDecision =
  /** Answer now; `event` is emitted with `message`. */
  | { readonly kind: 'answer'; readonly outcome: PermissionOutcome; readonly event: 'approval_auto_approved' | 'approval_rejected'; readonly message: string }
  /** Hold it for an operator; answer with {@link outcomeForDecision} once decided. */
  | { readonly kind: 'operator'; readonly request: OperatorRequestDraft; readonly options: readonly PermissionOption[] };

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? oneLine(value, 200) : null;
}

/** The decision that selects an option of `kind` (see {@link DECISION_KINDS}); null when none does. */
function decisionFor(kind: string): ApprovalDecision | null {
  const decisions = Object.keys(DECISION_KINDS) as Exclude<ApprovalDecision, 'cancel'>[];
  return decisions.find((decision) => DECISION_KINDS[decision].includes(kind)) ?? null;
}

/** The offered options that have an id and a kind (others cannot be selected). */
export function readOptions(params: unknown): PermissionOption[] {
  const options = field(params, 'options');
  if (!Array.isArray(options)) return [];
  return options.flatMap((option) => {
    const optionId = field(option, 'optionId');
    const kind = field(option, 'kind');
    if (typeof optionId !== 'string' || typeof kind !== 'string') return [];
    const name = field(option, 'name');
    return [{ optionId, kind, name: typeof name === 'string' ? name : optionId }];
  });
}

/** The option kinds each decision selects, in order of preference. */
const DECISION_KINDS: Readonly<Record<Exclude<ApprovalDecision, 'cancel'>, readonly string[]>> = {
  accept: ['allow_once'],
  acceptForSession: ['allow_always'],
  decline: ['reject_once', 'reject_always'],
};

function optionFor(options: readonly PermissionOption[], kinds: readonly string[]): PermissionOption | undefined {
  for (const kind of kinds) {
    const found = options.find((option) => option.kind === kind);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The outcome that gives `decision` with the offered `options`; `cancelled` when none fits. */
export function outcomeForDecision(decision: ApprovalDecision, options: readonly PermissionOption[]): PermissionOutcome {
  if (decision === 'cancel') return { outcome: 'cancelled' };
  const option = optionFor(options, DECISION_KINDS[decision]);
  return option === undefined ? { outcome: 'cancelled' } : { outcome: 'selected', optionId: option.optionId };
}

/** The decisions the offered options allow (always `cancel`), in {@link APPROVAL_DECISIONS} order. */
export function offeredDecisions(options: readonly PermissionOption[]): ApprovalDecision[] {
  return APPROVAL_DECISIONS.filter((decision) => decision === 'cancel' || optionFor(options, DECISION_KINDS[decision]) !== undefined);
}

/** The operator-facing description of a permission request (kind `approval`). */
export function describePermission(params: unknown, options: readonly PermissionOption[]): OperatorRequestDraft {
  const toolCall = field(params, 'toolCall');
  const title = text(field(toolCall, 'title'));
  const command = field(toolCall, 'kind') === 'execute' ? toolCommand(toolCall) : null;
  const content = field(toolCall, 'content');
  const first = Array.isArray(content) ? content.map((item) => text(field(field(item, 'content'), 'text'))).find((line) => line !== null) : undefined;
  return {
    kind: 'approval',
    method: REQUEST_PERMISSION,
    summary: command ?? title ?? 'tool call',
    command,
    cwd: null,
    reason: first ?? null,
    decisions: offeredDecisions(options),
    questions: [],
    options: options.map((option) => ({ id: option.optionId, name: oneLine(option.name, 80), kind: option.kind, decision: decisionFor(option.kind) })),
  };
}

/**
 * Whether the request is about one of this daemon's own host-side tools (served by its MCP server
 * named `serverName`): the tool call is not a command, file edit or fetch, and its id or title
 * names the server and one of `toolNames` (Gemini CLI 0.61: id `mcp_<server>_<tool>__…`, title
 * `<tool> (<server> MCP Server)`). Those are allowed under every posture, as Codex runs its
 * dynamic tools without approval: they act only on the run's issue, with the daemon's credentials.
 */
export function isHostToolRequest(params: unknown, serverName: string, toolNames: readonly string[]): boolean {
  const toolCall = field(params, 'toolCall');
  const kind = field(toolCall, 'kind');
  if (kind !== undefined && kind !== null && kind !== 'other') return false;
  const id = field(toolCall, 'toolCallId');
  const title = field(toolCall, 'title');
  return toolNames.some(
    (tool) => (typeof id === 'string' && id.startsWith(`mcp_${serverName}_${tool}__`)) || (typeof title === 'string' && title === `${tool} (${serverName} MCP Server)`),
  );
}

/** Context of {@link decidePermission}. */
export interface PermissionContext {
  readonly policy: AcpApprovalPolicy;
  /** Whether an operator can answer (the HTTP server is up). */
  readonly operatorChannel: boolean;
  /** The daemon's MCP server name and tool names, when it serves tools to this session. */
  readonly hostTools?: { readonly serverName: string; readonly toolNames: readonly string[] };
}

/** Decides the answer to one `session/request_permission`. Never throws. */
export function decidePermission(params: unknown, context: PermissionContext): PermissionDecision {
  const options = readOptions(params);
  const what = describePermission(params, options).summary;
  const host = context.hostTools;
  if (host !== undefined && isHostToolRequest(params, host.serverName, host.toolNames)) {
    const option = optionFor(options, ['allow_once', 'allow_always']);
    if (option !== undefined) return { kind: 'answer', outcome: { outcome: 'selected', optionId: option.optionId }, event: 'approval_auto_approved', message: `${what} allowed (host-side tool)` };
  }
  if (context.policy === 'ask' && context.operatorChannel) return { kind: 'operator', request: describePermission(params, options), options };
  if (context.policy === 'allow') {
    const option = optionFor(options, ['allow_once', 'allow_always']);
    if (option !== undefined) return { kind: 'answer', outcome: { outcome: 'selected', optionId: option.optionId }, event: 'approval_auto_approved', message: `${what} allowed (${option.optionId})` };
    return { kind: 'answer', outcome: { outcome: 'cancelled' }, event: 'approval_rejected', message: `${what} cancelled: the agent offered no allow option` };
  }
  const reason = context.policy === 'ask' ? 'no operator channel' : 'acp.approval_policy deny';
  const reject = optionFor(options, DECISION_KINDS.decline);
  return {
    kind: 'answer',
    outcome: reject === undefined ? { outcome: 'cancelled' } : { outcome: 'selected', optionId: reject.optionId },
    event: 'approval_rejected',
    message: `${what} rejected (${reason})`,
  };
}

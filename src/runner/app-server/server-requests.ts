/**
 * How this client answers every Codex 0.169 server request (spec §10.5). Pure: a request in, a
 * decision out; the session performs it. Every request gets exactly one answer.
 *
 * Documented posture:
 * - Approvals (`item/commandExecution/requestApproval`, `item/fileChange/requestApproval`,
 *   `item/permissions/requestApproval`, legacy `execCommandApproval` / `applyPatchApproval`):
 *   - approval policy is the string `never` → approved for the session at once
 *     (`approval_auto_approved`), never waiting;
 *   - any other policy and an operator channel exists (the HTTP server is enabled) → held open
 *     for an operator (`operator_waiting`): the turn waits, its silence timer is suspended, and
 *     the operator's decision is sent to that very request (see `operator-requests.ts`); an
 *     unanswered request is declined / cancelled after `agent.operator_timeout_ms` and the turn
 *     fails with `operator_timeout`;
 *   - any other policy and no operator channel → declined (`approval_rejected`) and the turn
 *     continues — Codex tells the model the action was rejected.
 * - `item/tool/requestUserInput`: with an operator channel, held open the same way (under any
 *   approval policy: a question has no automatic answer); without one, answered with no answers
 *   and the turn fails with `turn_input_required`.
 * - `mcpServer/elicitation/request`: always declined (`approval_rejected`). Its answer is content
 *   matching an arbitrary JSON schema chosen by the MCP server, which no operator form renders.
 * - `item/tool/call`: advertised tools are executed host-side; anything else gets a
 *   `success: false` result (`unsupported_tool_call`) and the session continues.
 * - `currentTime/read`: answered with the current Unix time.
 * - Anything else (auth-token refresh, attestation, unknown methods): JSON-RPC error -32601.
 */
import type { ToolResult } from '../../tracker/tracker.js';
import { METHOD_NOT_FOUND, type JsonRpcErrorObject } from '../jsonrpc/messages.js';
import { describeOperatorRequest, type OperatorRequestDraft } from './operator-requests.js';
import { APPROVAL_METHODS, ServerRequestMethod } from './request-methods.js';

export { ServerRequestMethod } from './request-methods.js';

/** Whether approval requests are granted. */
export type ApprovalPosture = 'auto_approve' | 'reject';

/** `auto_approve` exactly when the configured `AskForApproval` is the string `never`. */
export function approvalPosture(approvalPolicy: string | Readonly<Record<string, unknown>>): ApprovalPosture {
  return approvalPolicy === 'never' ? 'auto_approve' : 'reject';
}

/** What to do with one server request. */
export type ServerRequestDecision =
  /** Answer now with `result`; `event` (if any) is emitted with `message`. */
  | { readonly kind: 'answer'; readonly result: unknown; readonly event: 'approval_auto_approved' | 'approval_rejected' | null; readonly message: string }
  /** Run the advertised tool, then answer with {@link toolCallResponse}. */
  | { readonly kind: 'tool_call'; readonly tool: string; readonly arguments: unknown }
  /** Answer `result` (a failure) and emit `unsupported_tool_call`. */
  | { readonly kind: 'unsupported_tool'; readonly tool: string; readonly result: unknown; readonly message: string }
  /** Answer `result`, emit `turn_input_required` and fail the active turn. */
  | { readonly kind: 'input_required'; readonly result: unknown; readonly message: string }
  /** Hold the request open for an operator (`operator_waiting`); answer when one does or the timeout passes. */
  | { readonly kind: 'operator'; readonly request: OperatorRequestDraft }
  /** Answer with a JSON-RPC error. */
  | { readonly kind: 'error'; readonly error: JsonRpcErrorObject };

/** Context of {@link decideServerRequest}. */
export interface DecisionContext {
  readonly posture: ApprovalPosture;
  /** Whether an operator can answer requests (the HTTP server is enabled). Default false. */
  readonly operatorChannel?: boolean;
  /** Names of the tools advertised on `thread/start`. */
  readonly advertisedTools: ReadonlySet<string>;
  /** Wall-clock now, ms since the epoch (for `currentTime/read`). */
  readonly nowMs: number;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The `DynamicToolCallResponse` for a tool outcome. */
export function toolCallResponse(result: ToolResult): Record<string, unknown> {
  return { success: result.success, contentItems: [{ type: 'inputText', text: result.text }] };
}

function approval(posture: ApprovalPosture, what: string, approve: unknown, decline: unknown): ServerRequestDecision {
  return posture === 'auto_approve'
    ? { kind: 'answer', result: approve, event: 'approval_auto_approved', message: `${what} approved for the session` }
    : { kind: 'answer', result: decline, event: 'approval_rejected', message: `${what} declined by approval policy` };
}

function commandDecision(params: unknown): string {
  // Prefer the session-wide grant, but stay within the decisions Codex offers when it lists them.
  const offered = field(params, 'availableDecisions');
  if (Array.isArray(offered) && !offered.includes('acceptForSession') && offered.includes('accept')) return 'accept';
  return 'acceptForSession';
}

/** Decides the answer to one server request. Never throws. */
export function decideServerRequest(method: string, params: unknown, context: DecisionContext): ServerRequestDecision {
  const { posture } = context;
  if (context.operatorChannel === true && !(posture === 'auto_approve' && APPROVAL_METHODS.has(method))) {
    const request = describeOperatorRequest(method, params);
    if (request !== null) return { kind: 'operator', request };
  }
  switch (method) {
    case ServerRequestMethod.commandApproval: {
      const command = field(params, 'command');
      const what = typeof command === 'string' ? `command \`${command}\`` : 'command';
      return approval(posture, what, { decision: commandDecision(params) }, { decision: 'decline' });
    }
    case ServerRequestMethod.fileChangeApproval:
      return approval(posture, 'file change', { decision: 'acceptForSession' }, { decision: 'decline' });
    case ServerRequestMethod.permissionsApproval: {
      const requested = field(params, 'permissions');
      const granted = typeof requested === 'object' && requested !== null ? requested : {};
      return approval(posture, 'permissions request', { permissions: granted, scope: 'session' }, { permissions: {}, scope: 'turn' });
    }
    case ServerRequestMethod.legacyExecApproval:
      return approval(posture, 'command', { decision: 'approved_for_session' }, { decision: { denied: { rejection: 'declined by the Symphony approval policy' } } });
    case ServerRequestMethod.legacyPatchApproval:
      return approval(posture, 'patch', { decision: 'approved_for_session' }, { decision: { denied: { rejection: 'declined by the Symphony approval policy' } } });
    case ServerRequestMethod.mcpElicitation:
      return { kind: 'answer', result: { action: 'decline' }, event: 'approval_rejected', message: 'MCP elicitation declined (not supported by this client)' };
    case ServerRequestMethod.userInput:
      return { kind: 'input_required', result: { answers: {} }, message: 'agent requested user input; no operator channel, turn fails' };
    case ServerRequestMethod.toolCall: {
      const tool = field(params, 'tool');
      const namespace = field(params, 'namespace');
      const name = typeof tool === 'string' ? tool : '';
      if (name !== '' && (namespace === undefined || namespace === null) && context.advertisedTools.has(name)) {
        return { kind: 'tool_call', tool: name, arguments: field(params, 'arguments') ?? null };
      }
      const message = `unsupported tool call: ${name === '' ? '(no name)' : name}`;
      return { kind: 'unsupported_tool', tool: name, result: toolCallResponse({ success: false, text: `${message}; this tool is not available in this session` }), message };
    }
    case ServerRequestMethod.currentTime:
      return { kind: 'answer', result: { currentTimeAt: Math.floor(context.nowMs / 1000) }, event: null, message: 'current time' };
    default:
      return { kind: 'error', error: { code: METHOD_NOT_FOUND, message: `method not supported by this client: ${method}` } };
  }
}

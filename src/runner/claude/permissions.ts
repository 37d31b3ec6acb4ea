/**
 * How this client answers Claude Code's permission prompts (`canUseTool`, our extension of spec
 * §10.5 for the Claude runtime). Pure: a prompt in, a decision out; the session performs it.
 * Every prompt gets exactly one answer.
 *
 * Documented posture (`claude.approval_policy`):
 *
 * | Prompt | `allow` | `ask` (default), operator channel | `ask`, no channel | `deny` |
 * |---|---|---|---|---|
 * | any tool but `AskUserQuestion` (Bash, Edit, Write, WebFetch, MCP tools…) | allowed (`approval_auto_approved`) | **waits** (`operator_waiting`, kind `approval`) | declined (`approval_rejected`), turn goes on | declined (`approval_rejected`), turn goes on |
 * | `AskUserQuestion` | **waits** (channel) / fails the turn (no channel) | **waits** (kind `user_input`) | declined, turn fails `turn_input_required` | as `allow` |
 * | the host-side tools (`mcp__symphony__*`) | allowed, no event | allowed | allowed | allowed |
 *
 * Which calls prompt at all is Claude Code's decision under `claude.permission_mode` (`default`:
 * reads inside the workspace do not, commands and edits do) and `claude.allowed_tools`.
 *
 * Operator decisions: `accept` → allow this call; `acceptForSession` → allow it and add Claude
 * Code's own suggested rules for the rest of the session (never written to a settings file; only
 * offered when Claude Code suggests rules); `decline` → deny, the model is told and goes on;
 * `cancel` → deny and interrupt the turn (it fails with `turn_cancelled`). Unanswered within
 * `agent.operator_timeout_ms`: `cancel`, and the turn fails with `operator_timeout`.
 */
import type { PermissionResult, PermissionUpdate } from '@anthropic-ai/claude-agent-sdk';
import type { ClaudeApprovalPolicy } from '../../config/types.js';
import { oneLine } from '../../errors.js';
import type { ApprovalDecision, OperatorQuestion } from '../../domain/operator.js';
import type { OperatorRequestDraft } from '../app-server/operator-requests.js';

/** `PendingOperatorRequest.method` of every Claude Code prompt (the stream-json control request). */
export const CAN_USE_TOOL = 'can_use_tool';

/** Claude Code's question tool, answered as user input. */
export const ASK_USER_QUESTION = 'AskUserQuestion';

/** What Claude Code tells us about one prompt (the `canUseTool` arguments we read). */
export interface ToolPrompt {
  readonly toolName: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** Rules Claude Code suggests for "don't ask again". */
  readonly suggestions: readonly PermissionUpdate[];
  /** Claude Code's sentence for the prompt ("Claude wants to read foo.txt"), when given. */
  readonly title: string | null;
  /** Claude Code's reason for asking, when given. */
  readonly decisionReason: string | null;
  /** True when Claude Code forbids a "don't ask again" choice for this prompt. */
  readonly suppressAlwaysAllow: boolean;
  /** The session's working directory (the workspace). */
  readonly cwd: string;
}

/** What to do with one prompt. */
export type PermissionDecision =
  /** Answer now; `event` (if any) is emitted with `message`. */
  | { readonly kind: 'answer'; readonly result: PermissionResult; readonly event: 'approval_auto_approved' | 'approval_rejected' | null; readonly message: string }
  /** Hold it for an operator (`operator_waiting`); answer when one does or the timeout passes. */
  | { readonly kind: 'operator'; readonly request: OperatorRequestDraft }
  /** Deny with an interrupt, emit `turn_input_required` and fail the turn. */
  | { readonly kind: 'input_required'; readonly result: PermissionResult; readonly message: string };

/** Context of {@link decidePermission}. */
export interface PermissionContext {
  readonly policy: ClaudeApprovalPolicy;
  readonly operatorChannel: boolean;
  /** Full names (`mcp__symphony__linear_graphql`) of the host-side tools: always allowed. */
  readonly hostTools: ReadonlySet<string>;
}

const DECLINED_BY_POLICY = 'declined by the Symphony approval policy (claude.approval_policy)';
const DECLINED_BY_OPERATOR = 'declined by the Symphony operator';
const NO_OPERATOR = 'no operator can answer questions in this session; continue without asking';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

const FILE_TOOLS: ReadonlySet<string> = new Set(['Edit', 'Write', 'MultiEdit', 'NotebookEdit']);

/** The command of a Bash prompt, else null. */
export function promptCommand(prompt: Pick<ToolPrompt, 'toolName' | 'input'>): string | null {
  return prompt.toolName === 'Bash' ? text(prompt.input.command) : null;
}

function summary(prompt: ToolPrompt): string {
  const command = promptCommand(prompt);
  if (command !== null) return command;
  const path = text(prompt.input.file_path) ?? text(prompt.input.notebook_path);
  if (FILE_TOOLS.has(prompt.toolName)) return path === null ? 'file change' : `file change: ${path}`;
  if (prompt.title !== null) return prompt.title;
  const url = text(prompt.input.url);
  return url === null ? prompt.toolName : `${prompt.toolName} ${url}`;
}

/** The decisions offered for `prompt` (`acceptForSession` only when Claude Code suggests rules). */
export function offeredDecisions(prompt: Pick<ToolPrompt, 'suggestions' | 'suppressAlwaysAllow'>): ApprovalDecision[] {
  const forSession = prompt.suggestions.length > 0 && !prompt.suppressAlwaysAllow;
  return forSession ? ['accept', 'acceptForSession', 'decline', 'cancel'] : ['accept', 'decline', 'cancel'];
}

/** The operator request for an approval prompt. */
export function approvalDraft(prompt: ToolPrompt): OperatorRequestDraft {
  const command = promptCommand(prompt);
  return {
    kind: 'approval',
    method: CAN_USE_TOOL,
    summary: oneLine(summary(prompt), 200),
    command,
    cwd: command === null ? null : prompt.cwd,
    reason: prompt.decisionReason ?? text(prompt.input.description),
    decisions: offeredDecisions(prompt),
    questions: [],
  };
}

/** The questions of an `AskUserQuestion` input, with ids `q1`, `q2`, … in order. */
export function readQuestions(input: Readonly<Record<string, unknown>>): OperatorQuestion[] {
  const questions = input.questions;
  if (!Array.isArray(questions)) return [];
  return questions.map((question, index) => {
    const options = field(question, 'options');
    return {
      id: `q${index + 1}`,
      header: text(field(question, 'header')) ?? '',
      question: text(field(question, 'question')) ?? '',
      options: Array.isArray(options)
        ? options.flatMap((option) => {
            const label = text(field(option, 'label'));
            return label === null ? [] : [{ label, description: text(field(option, 'description')) ?? '' }];
          })
        : [],
      // Claude Code always lets the user type an answer of their own ("Other").
      isOther: true,
      isSecret: false,
    };
  });
}

/** The operator request for an `AskUserQuestion` prompt. */
export function userInputDraft(prompt: ToolPrompt): OperatorRequestDraft {
  const questions = readQuestions(prompt.input);
  const [first] = questions;
  const more = questions.length > 1 ? ` (+${questions.length - 1} more)` : '';
  const summaryText = first === undefined ? 'user input (no questions)' : `${first.question || first.header || first.id}${more}`;
  return { kind: 'user_input', method: CAN_USE_TOOL, summary: oneLine(summaryText, 200), command: null, cwd: null, reason: null, decisions: [], questions };
}

/** The `allow` variant of {@link PermissionResult}. */
type Allow = Extract<PermissionResult, { behavior: 'allow' }>;

function allow(prompt: ToolPrompt): Allow {
  return { behavior: 'allow', updatedInput: { ...prompt.input } };
}

/** Decides the answer to one prompt. Never throws. */
export function decidePermission(prompt: ToolPrompt, context: PermissionContext): PermissionDecision {
  if (context.hostTools.has(prompt.toolName)) return { kind: 'answer', result: allow(prompt), event: null, message: `${prompt.toolName} (host-side tool)` };
  if (prompt.toolName === ASK_USER_QUESTION) {
    if (context.operatorChannel) return { kind: 'operator', request: userInputDraft(prompt) };
    return { kind: 'input_required', result: { behavior: 'deny', message: NO_OPERATOR, interrupt: true }, message: 'agent asked the user a question; no operator channel, turn fails' };
  }
  const what = summary(prompt);
  if (context.policy === 'allow') return { kind: 'answer', result: allow(prompt), event: 'approval_auto_approved', message: `${prompt.toolName} approved: ${what}` };
  if (context.policy === 'ask' && context.operatorChannel) return { kind: 'operator', request: approvalDraft(prompt) };
  return { kind: 'answer', result: { behavior: 'deny', message: DECLINED_BY_POLICY }, event: 'approval_rejected', message: `${prompt.toolName} declined by approval policy: ${what}` };
}

/** Claude Code's suggestions, kept to this session (never written to a settings file). */
function sessionOnly(suggestions: readonly PermissionUpdate[]): PermissionUpdate[] {
  return suggestions.map((update) => ({ ...update, destination: 'session' }));
}

function decisionResult(decision: unknown, prompt: ToolPrompt): PermissionResult {
  switch (decision) {
    case 'accept':
      return { ...allow(prompt), decisionClassification: 'user_temporary' };
    case 'acceptForSession':
      return { ...allow(prompt), updatedPermissions: sessionOnly(prompt.suggestions), decisionClassification: 'user_permanent' };
    case 'decline':
      return { behavior: 'deny', message: DECLINED_BY_OPERATOR, decisionClassification: 'user_reject' };
    default:
      return { behavior: 'deny', message: `${DECLINED_BY_OPERATOR}; the turn is cancelled`, interrupt: true, decisionClassification: 'user_reject' };
  }
}

function answersResult(answers: unknown, prompt: ToolPrompt): PermissionResult {
  const questions = readQuestions(prompt.input);
  const given: Record<string, string> = {};
  for (const question of questions) {
    const values = field(field(answers, question.id), 'answers');
    if (Array.isArray(values) && values.length > 0) given[question.question] = values.map(String).join(', ');
  }
  if (Object.keys(given).length === 0) return { behavior: 'deny', message: 'no operator answered the question in time', interrupt: true };
  return { behavior: 'allow', updatedInput: { ...prompt.input, answers: given } };
}

/**
 * Turns the desk's result for `draft` (`{decision}` for approvals, `{answers: {<id>: {answers}}}`
 * for user input, as `operator-requests.ts` builds them) into Claude Code's answer. An
 * `AskUserQuestion` is answered by allowing it with `answers` keyed by question text, multiple
 * labels joined with `, `; no answers deny it with an interrupt.
 */
export function operatorPermissionResult(draft: OperatorRequestDraft, result: unknown, prompt: ToolPrompt): PermissionResult {
  return draft.kind === 'approval' ? decisionResult(field(result, 'decision'), prompt) : answersResult(field(result, 'answers'), prompt);
}

/** True when `result` interrupts the turn (an operator's `cancel`, a timeout, unanswered questions). */
export function interrupts(result: PermissionResult): boolean {
  return result.behavior === 'deny' && result.interrupt === true;
}

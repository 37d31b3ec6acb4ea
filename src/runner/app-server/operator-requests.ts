/**
 * Operator intervention, the pure part (our extension of spec §10.5): which Codex 0.169 server
 * requests an operator can answer, how each is shown ({@link OperatorRequestDraft}), how an
 * operator's answer is checked and turned into the exact response the schema wants, and what is
 * answered when nobody answers in time.
 *
 * Response shapes (generated schema of Codex 0.169):
 * - `item/commandExecution/requestApproval` → `{decision: "accept" | "acceptForSession" | "decline" | "cancel"}`;
 * - `item/fileChange/requestApproval` → the same four decisions;
 * - `item/permissions/requestApproval` → `{permissions, scope}`: accept grants the requested
 *   profile for the turn, acceptForSession for the session, decline grants nothing;
 * - legacy `execCommandApproval` / `applyPatchApproval` → `{decision: ReviewDecision}`: accept
 *   `approved`, acceptForSession `approved_for_session`, decline `{denied: {rejection}}`, cancel `abort`;
 * - `item/tool/requestUserInput` → `{answers: {<question id>: {answers: [<string>…]}}}`.
 */
import { oneLine } from '../../errors.js';
import { APPROVAL_DECISIONS, type ApprovalDecision, type OperatorQuestion, type OperatorQuestionOption, type PendingOperatorRequest } from '../../domain/operator.js';
import { ServerRequestMethod } from './request-methods.js';

/** A {@link PendingOperatorRequest} before it is queued (no `sinceMs` / `deadlineMs` yet). */
export type OperatorRequestDraft = Omit<PendingOperatorRequest, 'sinceMs' | 'deadlineMs'>;

/** An answer turned into a protocol response, or why it does not fit the request. */
export type OperatorResponse =
  /** `result` is sent as-is; `said` is the answer in plain words (`accept`, `answers to 2 question(s)`). */
  | { readonly ok: true; readonly result: unknown; readonly said: string }
  | { readonly ok: false; readonly message: string };

const ALL_DECISIONS: readonly ApprovalDecision[] = APPROVAL_DECISIONS;
const PERMISSION_DECISIONS: readonly ApprovalDecision[] = ['accept', 'acceptForSession', 'decline'];
const DENIED_REJECTION = 'declined by the Symphony operator';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** The offered string decisions that we can give, in {@link APPROVAL_DECISIONS} order (all four when none are listed). */
function commandDecisions(params: unknown): ApprovalDecision[] {
  const offered = field(params, 'availableDecisions');
  if (!Array.isArray(offered)) return [...ALL_DECISIONS];
  return ALL_DECISIONS.filter((decision) => offered.includes(decision));
}

function approvalDraft(method: string, summary: string, decisions: readonly ApprovalDecision[], params: unknown, command: string | null, cwd: string | null): OperatorRequestDraft {
  return { kind: 'approval', method, summary: oneLine(summary, 200), command, cwd, reason: text(field(params, 'reason')), decisions, questions: [] };
}

function readOptions(value: unknown): OperatorQuestionOption[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((option) => {
    const label = field(option, 'label');
    if (typeof label !== 'string') return [];
    const description = field(option, 'description');
    return [{ label, description: typeof description === 'string' ? description : '' }];
  });
}

function readQuestions(params: unknown): OperatorQuestion[] {
  const questions = field(params, 'questions');
  if (!Array.isArray(questions)) return [];
  return questions.flatMap((question) => {
    const id = field(question, 'id');
    if (typeof id !== 'string') return [];
    const header = field(question, 'header');
    const asked = field(question, 'question');
    return [
      {
        id,
        header: typeof header === 'string' ? header : '',
        question: typeof asked === 'string' ? asked : '',
        options: readOptions(field(question, 'options')),
        isOther: field(question, 'isOther') === true,
        isSecret: field(question, 'isSecret') === true,
      },
    ];
  });
}

function userInputSummary(questions: readonly OperatorQuestion[]): string {
  const [first] = questions;
  if (first === undefined) return 'user input (no questions)';
  const more = questions.length > 1 ? ` (+${questions.length - 1} more)` : '';
  return oneLine(`${first.question || first.header || first.id}${more}`, 200);
}

/**
 * Describes a server request an operator can answer: the five approval methods and
 * `item/tool/requestUserInput`. Null for every other method (tool calls, MCP elicitation…).
 * Never throws; missing fields read as null / empty.
 */
export function describeOperatorRequest(method: string, params: unknown): OperatorRequestDraft | null {
  switch (method) {
    case ServerRequestMethod.commandApproval: {
      const command = text(field(params, 'command'));
      return approvalDraft(method, command ?? 'command execution', commandDecisions(params), params, command, text(field(params, 'cwd')));
    }
    case ServerRequestMethod.fileChangeApproval: {
      const root = text(field(params, 'grantRoot'));
      return approvalDraft(method, root === null ? 'file change' : `file change (write access under ${root})`, ALL_DECISIONS, params, null, null);
    }
    case ServerRequestMethod.permissionsApproval:
      return approvalDraft(method, `permissions: ${describePermissions(field(params, 'permissions'))}`, PERMISSION_DECISIONS, params, null, text(field(params, 'cwd')));
    case ServerRequestMethod.legacyExecApproval: {
      const argv = field(params, 'command');
      const command = Array.isArray(argv) ? argv.filter((part) => typeof part === 'string').join(' ') : text(argv);
      return approvalDraft(method, command ?? 'command execution', ALL_DECISIONS, params, command === '' ? null : command, text(field(params, 'cwd')));
    }
    case ServerRequestMethod.legacyPatchApproval: {
      const changes = field(params, 'fileChanges');
      const files = typeof changes === 'object' && changes !== null ? Object.keys(changes) : [];
      return approvalDraft(method, files.length === 0 ? 'file change' : `file change: ${files.join(', ')}`, ALL_DECISIONS, params, null, null);
    }
    case ServerRequestMethod.userInput: {
      const questions = readQuestions(params);
      return { kind: 'user_input', method, summary: userInputSummary(questions), command: null, cwd: null, reason: null, decisions: [], questions };
    }
    default:
      return null;
  }
}

function describePermissions(profile: unknown): string {
  const parts: string[] = [];
  if (field(field(profile, 'network'), 'enabled') === true) parts.push('network access');
  const fileSystem = field(profile, 'fileSystem');
  const write = field(fileSystem, 'write');
  const read = field(fileSystem, 'read');
  if (Array.isArray(write) && write.length > 0) parts.push(`write ${write.join(', ')}`);
  if (Array.isArray(read) && read.length > 0) parts.push(`read ${read.join(', ')}`);
  if (parts.length === 0 && fileSystem !== undefined && fileSystem !== null) parts.push('file system access');
  return parts.length === 0 ? 'additional permissions' : parts.join('; ');
}

/** The protocol result for `decision` on an approval request of `method` (decision already validated). */
function approvalResult(method: string, params: unknown, decision: ApprovalDecision): unknown {
  switch (method) {
    case ServerRequestMethod.permissionsApproval: {
      const requested = field(params, 'permissions');
      const granted = typeof requested === 'object' && requested !== null ? requested : {};
      if (decision === 'decline' || decision === 'cancel') return { permissions: {}, scope: 'turn' };
      return { permissions: granted, scope: decision === 'acceptForSession' ? 'session' : 'turn' };
    }
    case ServerRequestMethod.legacyExecApproval:
    case ServerRequestMethod.legacyPatchApproval: {
      const review = { accept: 'approved', acceptForSession: 'approved_for_session', decline: { denied: { rejection: DENIED_REJECTION } }, cancel: 'abort' } as const;
      return { decision: review[decision] };
    }
    default:
      return { decision };
  }
}

function checkDecision(draft: OperatorRequestDraft, params: unknown, answer: unknown): OperatorResponse {
  const decision = field(answer, 'decision');
  const allowed = draft.decisions.join(', ');
  if (typeof decision !== 'string') return { ok: false, message: `${draft.method} is an approval: answer {"decision": …} with one of ${allowed}` };
  const offered = draft.decisions.find((candidate) => candidate === decision);
  if (offered === undefined) return { ok: false, message: `decision ${oneLine(decision, 40)} is not offered for this request; allowed: ${allowed}` };
  return { ok: true, result: approvalResult(draft.method, params, offered), said: offered };
}

function checkAnswers(draft: OperatorRequestDraft, answer: unknown): OperatorResponse {
  const given = field(answer, 'answers');
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    return { ok: false, message: 'this request asks questions: answer {"answers": {"<question id>": ["<label or text>"]}}' };
  }
  const record = given as Record<string, unknown>;
  const known = new Set(draft.questions.map((question) => question.id));
  const unknown = Object.keys(record).find((id) => !known.has(id));
  if (unknown !== undefined) return { ok: false, message: `no question has id ${oneLine(unknown, 60)}` };
  const answers: Record<string, { answers: string[] }> = {};
  for (const question of draft.questions) {
    const values = record[question.id];
    if (!Array.isArray(values) || values.length === 0 || !values.every((value) => typeof value === 'string')) {
      return { ok: false, message: `question ${question.id} needs a non-empty list of strings` };
    }
    const strings: string[] = values;
    const labels = question.options.map((option) => option.label);
    if (labels.length > 0 && !question.isOther) {
      const stray = strings.find((value) => !labels.includes(value));
      if (stray !== undefined) return { ok: false, message: `question ${question.id}: ${oneLine(stray, 60)} is not one of ${labels.join(', ')}` };
    }
    answers[question.id] = { answers: [...strings] };
  }
  return { ok: true, result: { answers }, said: `answers to ${draft.questions.length} question(s)` };
}

/**
 * Checks an operator's answer against the request it is meant for and maps it to the response.
 * `answer` is treated as untrusted input (it comes from HTTP): approvals need `{decision}` with one
 * of `draft.decisions`; user input needs, for every question, a non-empty array of strings, each
 * one of the option labels unless the question `isOther` or has no options, and no unknown ids.
 *
 * @param params - the request's params (permissions are granted as requested).
 */
export function operatorResponse(draft: OperatorRequestDraft, params: unknown, answer: unknown): OperatorResponse {
  return draft.kind === 'approval' ? checkDecision(draft, params, answer) : checkAnswers(draft, answer);
}

/**
 * The answer sent when no operator answered in time (or the turn ended first), so every server
 * request still gets exactly one answer: `cancel` (legacy `abort`) where the request offers it,
 * else `decline`; for user input, no answers.
 */
export function unansweredResponse(draft: OperatorRequestDraft, params: unknown): { readonly result: unknown; readonly said: string } {
  if (draft.kind === 'user_input') return { result: { answers: {} }, said: 'no answers' };
  const decision: ApprovalDecision = draft.decisions.includes('cancel') ? 'cancel' : 'decline';
  return { result: approvalResult(draft.method, params, decision), said: decision };
}

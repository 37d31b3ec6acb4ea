/**
 * Operator intervention (our extension of spec §10.5 and §14.4): an agent request that waits for a
 * person — an approval or a question for the user — and the answer a person gives to it.
 *
 * These are the shapes shared by the app-server client (which holds the request open), the
 * orchestrator (which routes answers to the run) and the status surfaces (API, dashboard).
 */

/** What kind of answer the request needs. */
export type OperatorRequestKind = 'approval' | 'user_input';

/** One selectable option of a user-input question (Codex `ToolRequestUserInputOption`). */
export interface OperatorQuestionOption {
  readonly label: string;
  readonly description: string;
}

/** One user-input question (Codex `ToolRequestUserInputQuestion`). */
export interface OperatorQuestion {
  /** Key of the answer in `{"answers": {"<id>": [...]}}`. */
  readonly id: string;
  readonly header: string;
  readonly question: string;
  /** Allowed labels; empty when the question takes free text. */
  readonly options: readonly OperatorQuestionOption[];
  /** Whether a free-text answer besides the options is accepted. */
  readonly isOther: boolean;
  /** Whether the answer is secret (the dashboard masks the field). */
  readonly isSecret: boolean;
}

/** Decisions an operator may give to an approval request. */
export type ApprovalDecision = 'accept' | 'acceptForSession' | 'decline' | 'cancel';

/** Every {@link ApprovalDecision}, in display order. */
export const APPROVAL_DECISIONS: readonly ApprovalDecision[] = ['accept', 'acceptForSession', 'decline', 'cancel'];

/**
 * A choice the agent itself offers with an approval (ACP `session/request_permission` options),
 * shown to the operator with the decision that selects it.
 */
export interface OperatorOption {
  /** The agent's option id (`proceed_once`). */
  readonly id: string;
  /** The agent's label (`Allow once`). */
  readonly name: string;
  /** The agent's kind (`allow_once`, `allow_always`, `reject_once`, `reject_always`). */
  readonly kind: string;
  /** The decision that selects it; null when no decision maps to it. */
  readonly decision: ApprovalDecision | null;
}

/** A request held open until an operator answers it (or `agent.operator_timeout_ms` passes). */
export interface PendingOperatorRequest {
  readonly kind: OperatorRequestKind;
  /** The app-server method (`item/commandExecution/requestApproval`, `item/tool/requestUserInput`…). */
  readonly method: string;
  /** One-line description for lists: the command, "file change", or the first question. */
  readonly summary: string;
  /** The command to approve, when the request is about a command. */
  readonly command: string | null;
  /** Working directory of that command, when known. */
  readonly cwd: string | null;
  /** The agent's stated reason, when given. */
  readonly reason: string | null;
  /** For approvals: the decisions this request accepts (a subset of {@link APPROVAL_DECISIONS}); else empty. */
  readonly decisions: readonly ApprovalDecision[];
  /** For user input: the questions; else empty. */
  readonly questions: readonly OperatorQuestion[];
  /** The agent's own options (ACP), in its order; absent when the runtime offers none (Codex). */
  readonly options?: readonly OperatorOption[];
  /** Epoch ms when the request arrived. */
  readonly sinceMs: number;
  /** Epoch ms when it fails the run if still unanswered. */
  readonly deadlineMs: number;
}

/**
 * An operator's answer, as posted to `POST /api/v1/<issue_identifier>/answer`:
 * `{"decision": …}` for an approval, `{"answers": {"<question id>": ["<label or text>"]}}` for user input.
 */
export type OperatorAnswer =
  | { readonly decision: ApprovalDecision }
  | { readonly answers: Readonly<Record<string, readonly string[]>> };

/** Outcome of delivering an answer. */
export type AnswerResult =
  | { readonly ok: true }
  /**
   * `nothing_waiting`: no request is waiting for this issue (HTTP 409);
   * `invalid_answer`: the body does not fit the waiting request (HTTP 400).
   */
  | { readonly ok: false; readonly code: 'nothing_waiting' | 'invalid_answer'; readonly message: string };

/**
 * Validation of `POST /api/v1/<issue_identifier>/answer` bodies (issue 3 item 3). Pure: the body
 * in, an {@link OperatorAnswer} or a one-line reason out. Whether the answer fits the request the
 * run is waiting on is the run's decision, not this module's.
 */
import { APPROVAL_DECISIONS, type ApprovalDecision, type OperatorAnswer } from '../domain/operator.js';

/** Result of {@link parseAnswerBody}. */
export type ParsedAnswer = { readonly ok: true; readonly answer: OperatorAnswer } | { readonly ok: false; readonly message: string };

const SHAPES = 'body must be {"decision": "accept"|"acceptForSession"|"decline"|"cancel"} or {"answers": {"<question id>": ["<text>", …]}}';

/**
 * Accepts exactly `{"decision": <one of APPROVAL_DECISIONS>}` or
 * `{"answers": {"<id>": ["<string>", …], …}}` with at least one question; anything else (an
 * empty body, extra keys, wrong types) is rejected with a message naming what is wrong.
 */
export function parseAnswerBody(body: unknown): ParsedAnswer {
  if (body === undefined || body === null) return fail(`${SHAPES}; got an empty body`);
  if (typeof body !== 'object' || Array.isArray(body)) return fail(`${SHAPES}; got ${describe(body)}`);
  const keys = Object.keys(body);
  if (keys.length !== 1) {
    return fail(`${SHAPES}; got ${keys.length === 0 ? 'no keys' : `keys ${keys.map((key) => JSON.stringify(key)).join(', ')}`}`);
  }
  const record = body as Record<string, unknown>;
  if (keys[0] === 'decision') return parseDecision(record.decision);
  if (keys[0] === 'answers') return parseAnswers(record.answers);
  return fail(`${SHAPES}; got key ${JSON.stringify(keys[0])}`);
}

function parseDecision(value: unknown): ParsedAnswer {
  if (typeof value === 'string' && (APPROVAL_DECISIONS as readonly string[]).includes(value)) {
    return { ok: true, answer: { decision: value as ApprovalDecision } };
  }
  return fail(`"decision" must be one of ${APPROVAL_DECISIONS.join(', ')}; got ${describe(value)}`);
}

function parseAnswers(value: unknown): ParsedAnswer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(`"answers" must be an object mapping question ids to arrays of strings; got ${describe(value)}`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return fail('"answers" must answer at least one question; got {}');
  const answers: Record<string, readonly string[]> = {};
  for (const [id, texts] of entries) {
    if (!Array.isArray(texts) || !texts.every((text) => typeof text === 'string')) {
      return fail(`"answers.${id}" must be an array of strings; got ${describe(texts)}`);
    }
    Object.defineProperty(answers, id, { value: texts, enumerable: true, writable: false });
  }
  return { ok: true, answer: { answers } };
}

function fail(message: string): ParsedAnswer {
  return { ok: false, message };
}

/** Short description of a JSON value for messages (never the whole value: it may be secret). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length <= 40 ? JSON.stringify(value) : 'a long string';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value;
}

/**
 * Reading a Claude Code `result` message, the end of one turn (the CLI writes exactly one per
 * turn). Pure.
 */
import { oneLine } from '../../errors.js';

/** What a `result` says about its turn. */
export interface TurnResult {
  /** Whether the turn succeeded: `subtype: success` and not `is_error`. */
  readonly ok: boolean;
  /** `subtype` (`success`, `error_during_execution`, `error_max_turns`…). */
  readonly subtype: string;
  /** The uuids of the user messages this turn consumed (`user_message_uuids`, else `[user_message_uuid]`); null when the CLI names none. */
  readonly userMessageUuids: readonly string[] | null;
  /** One line on why it failed (`errors`, the result text, or the subtype); null on success. */
  readonly errorMessage: string | null;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Reads a `result` message. Never throws; missing fields read as failure with the subtype. */
export function readTurnResult(message: unknown): TurnResult {
  const subtype = typeof field(message, 'subtype') === 'string' ? String(field(message, 'subtype')) : 'unknown';
  const ok = subtype === 'success' && field(message, 'is_error') !== true;
  const list = field(message, 'user_message_uuids');
  const single = field(message, 'user_message_uuid');
  const uuids = Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : typeof single === 'string' ? [single] : null;
  let errorMessage: string | null = null;
  if (!ok) {
    const errors = field(message, 'errors');
    const listed = Array.isArray(errors) ? errors.filter((e): e is string => typeof e === 'string' && e.trim() !== '').join('; ') : '';
    const text = field(message, 'result');
    errorMessage = oneLine(listed !== '' ? listed : typeof text === 'string' && text.trim() !== '' ? text : subtype, 300);
  }
  return { ok, subtype, userMessageUuids: uuids !== null && uuids.length > 0 ? uuids : null, errorMessage };
}

/** Whether `result` ends the turn whose user message had `uuid` (a result naming no uuid ends any turn). */
export function endsTurn(result: TurnResult, uuid: string): boolean {
  return result.userMessageUuids === null || result.userMessageUuids.includes(uuid);
}

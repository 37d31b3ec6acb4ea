import { describe, expect, it } from 'vitest';
import { parseAnswerBody } from '../../src/server/answer-body.js';
import { errorEnvelope, mapError } from '../../src/server/http-errors.js';

describe('parseAnswerBody', () => {
  it.each(['accept', 'acceptForSession', 'decline', 'cancel'])('accepts {"decision": "%s"}', (decision) => {
    expect(parseAnswerBody({ decision })).toEqual({ ok: true, answer: { decision } });
  });

  it('accepts answers with empty arrays and keeps a "__proto__" question id as plain data', () => {
    const body: unknown = JSON.parse('{"answers": {"__proto__": ["x"], "q2": []}}');
    const parsed = parseAnswerBody(body);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect('answers' in parsed.answer && Object.entries(parsed.answer.answers)).toEqual([
      ['__proto__', ['x']],
      ['q2', []],
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('never echoes long strings (answers may be secret)', () => {
    const secret = 'p'.repeat(100);
    const parsed = parseAnswerBody({ decision: secret });
    expect(parsed).toEqual({ ok: false, message: expect.stringContaining('got a long string') });
    expect(JSON.stringify(parsed)).not.toContain(secret);
  });

  it.each([null, 'accept', 3, true])('rejects %j', (body) => {
    expect(parseAnswerBody(body).ok).toBe(false);
  });
});

describe('mapError', () => {
  it('maps fastify body errors and client errors to envelopes, everything else to internal', () => {
    expect(mapError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toMatchObject({ status: 413, code: 'payload_too_large', isServerFault: false });
    expect(mapError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(mapError(Object.assign(new Error('bad header'), { statusCode: 400 }))).toMatchObject({ status: 400, code: 'bad_request', message: 'bad header' });
    expect(mapError(new Error('boom'))).toEqual({ status: 500, code: 'internal', message: 'boom', isServerFault: true });
    expect(mapError('thrown string')).toMatchObject({ status: 500, code: 'internal', message: 'thrown string' });
  });

  it('builds one-line envelopes', () => {
    expect(errorEnvelope('not_found', 'no\nroute')).toEqual({ error: { code: 'not_found', message: 'no route' } });
  });
});

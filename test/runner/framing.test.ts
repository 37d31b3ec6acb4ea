import { describe, expect, it } from 'vitest';
import { createLineDecoder, encodeLine, type FrameEvent } from '../../src/runner/jsonrpc/framing.js';
import { classifyMessage, parseLine } from '../../src/runner/jsonrpc/messages.js';

const lines = (events: FrameEvent[]): string[] => events.map((event) => (event.kind === 'line' ? event.text : `<overflow ${event.maxLineBytes}>`));

describe('§17.5 transport framing: newline-delimited JSON', () => {
  it('joins a message split across chunks, including inside a multi-byte character', () => {
    const decoder = createLineDecoder();
    const bytes = Buffer.from(`${JSON.stringify({ method: 'note', params: { text: 'héllo ✓' } })}\n`, 'utf8');
    const split = bytes.indexOf(Buffer.from('✓')) + 1; // inside the 3-byte sequence
    expect(decoder.push(bytes.subarray(0, 5))).toEqual([]);
    expect(decoder.push(bytes.subarray(5, split))).toEqual([]);
    const out = decoder.push(bytes.subarray(split));
    expect(lines(out)).toEqual(['{"method":"note","params":{"text":"héllo ✓"}}']);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('returns several messages from one chunk, in order, and keeps the unterminated tail', () => {
    const decoder = createLineDecoder();
    expect(lines(decoder.push('{"id":1,"result":{}}\n{"method":"a"}\n{"method":"b"}\n{"meth'))).toEqual(['{"id":1,"result":{}}', '{"method":"a"}', '{"method":"b"}']);
    expect(lines(decoder.push('od":"c"}\n'))).toEqual(['{"method":"c"}']);
  });

  it('strips CRLF line endings and skips blank lines', () => {
    const decoder = createLineDecoder();
    expect(lines(decoder.push('{"method":"a"}\r\n\r\n\n{"method":"b"}\r'))).toEqual(['{"method":"a"}']);
    expect(lines(decoder.push('\n'))).toEqual(['{"method":"b"}']);
  });

  it('reports a line over the cap once as overflow, never buffers beyond the cap, and resumes after it', () => {
    const cap = 1024;
    const decoder = createLineDecoder(cap);
    const events: FrameEvent[] = [];
    events.push(...decoder.push('{"method":"before"}\n{"huge":"'));
    let maxBuffered = 0;
    for (let i = 0; i < 100; i++) {
      events.push(...decoder.push('x'.repeat(500)));
      maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
    }
    events.push(...decoder.push('"}\n{"method":"after"}\n'));
    expect(lines(events)).toEqual(['{"method":"before"}', `<overflow ${cap}>`, '{"method":"after"}']);
    expect(maxBuffered).toBeLessThanOrEqual(cap + 1);
  });

  it('treats the cap as the content length: exactly the cap passes, one byte more overflows', () => {
    const decoder = createLineDecoder(10);
    expect(lines(decoder.push(`${'a'.repeat(10)}\r\n${'b'.repeat(11)}\n`))).toEqual(['a'.repeat(10), '<overflow 10>']);
  });

  it('defaults to a 10 MB cap', () => {
    const decoder = createLineDecoder();
    const big = 'y'.repeat(10 * 1024 * 1024);
    expect(lines(decoder.push(`${big}\n`))).toEqual([big]);
    expect(lines(decoder.push(`${big}z\n`))).toEqual([`<overflow ${10 * 1024 * 1024}>`]);
  });

  it('flushes a final unterminated line at end of stream', () => {
    const decoder = createLineDecoder();
    decoder.push('{"method":"last"}');
    expect(lines(decoder.end())).toEqual(['{"method":"last"}']);
    expect(decoder.end()).toEqual([]);
  });

  it('encodes one message per line without a jsonrpc member', () => {
    expect(encodeLine({ id: 1, method: 'initialize', params: {} })).toBe('{"id":1,"method":"initialize","params":{}}\n');
  });
});

describe('JSON-RPC message classification', () => {
  it('tells requests, notifications, results, errors, other JSON and malformed lines apart', () => {
    expect(parseLine('{"id":0,"method":"item/tool/call","params":{"a":1}}')).toEqual({ kind: 'request', message: { id: 0, method: 'item/tool/call', params: { a: 1 } } });
    expect(parseLine('{"method":"turn/started"}')).toEqual({ kind: 'notification', message: { method: 'turn/started', params: undefined } });
    expect(parseLine('{"id":"7","result":null}')).toEqual({ kind: 'result', message: { id: '7', result: null } });
    expect(parseLine('{"id":3,"error":{"code":-32600,"message":"bad"}}')).toEqual({ kind: 'error', message: { id: 3, error: { code: -32600, message: 'bad', data: undefined } } });
    expect(classifyMessage([1, 2])).toEqual({ kind: 'other', value: [1, 2] });
    expect(classifyMessage({ id: 1 })).toEqual({ kind: 'other', value: { id: 1 } });
    expect(parseLine('not json').kind).toBe('malformed');
  });
});

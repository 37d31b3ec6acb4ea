import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatEvent, formatOpening } from '../../src/server/sse.js';
import type { StatusEvent } from '../../src/status/types.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { sampleSnapshot } from './fake-source.js';
import { onCleanup, serve } from './harness.js';
import { openEventStream, type SseReader } from './sse-reader.js';

function track(reader: SseReader): SseReader {
  onCleanup(() => reader.cancel());
  return reader;
}

describe('SSE formatting (pure)', () => {
  it('opens with retry then the snapshot, and frames events with id, event and one-line data', () => {
    const snapshot = sampleSnapshot();
    expect(formatOpening(snapshot)).toBe(`retry: 3000\n\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
    const event: StatusEvent = { id: 7, type: 'run_ended', at: 'now', issue_id: 'i', issue_identifier: 'MT-1', message: 'line one\nline two', data: {} };
    const framed = formatEvent(event);
    expect(framed).toBe(`id: 7\nevent: run_ended\ndata: ${JSON.stringify(event)}\n\n`);
    expect(framed.split('\n')).toHaveLength(5);
  });
});

describe('GET /api/v1/events', () => {
  it('sends retry, the snapshot first, then every event in order with its id', async () => {
    const { server, source } = await serve();
    const { response, reader } = await openEventStream(`${server.url}/api/v1/events`);
    track(reader);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    await reader.waitForEvents(1);
    expect(reader.messages[0]).toEqual({ id: null, event: null, data: null, retry: '3000' });
    expect(reader.events[0]).toMatchObject({ event: 'snapshot', id: null });
    expect(JSON.parse(reader.events[0]!.data!)).toEqual(sampleSnapshot());
    await source.pulse.waitFor(() => source.listenerCount === 1, 'subscription');
    const sent = [
      source.emit('dispatch', 'MT-1 dispatched', { attempt: null, state: 'Todo' }),
      source.emit('agent_event', 'turn completed', { event: 'turn_completed', session_id: 's', turn_count: 1 }),
      source.emit('retry_scheduled', 'retry', { attempt: 1, kind: 'failure' }),
      source.emit('run_ended', 'done', { outcome: 'completed', reason: null, duration_ms: 5 }),
      source.emit('config_reloaded', 'reloaded', { changed: ['polling.interval_ms'] }),
    ];
    const events = (await reader.waitForEvents(6)).slice(1);
    expect(events.map((message) => [message.id, message.event])).toEqual(sent.map((event) => [String(event.id), event.type]));
    expect(events.map((message) => JSON.parse(message.data!))).toEqual(sent);
  });

  it('a snapshot larger than the drop bound is delivered, not mistaken for a slow client', async () => {
    const { server, source } = await serve();
    const huge = { ...sampleSnapshot(), rate_limits: { note: 'y'.repeat(3 * 1024 * 1024) } };
    source.snapshotImpl = () => huge;
    const { reader } = await openEventStream(`${server.url}/api/v1/events`);
    track(reader);
    const [opening] = await reader.waitForEvents(1);
    expect(JSON.parse(opening!.data!)).toEqual(huge);
    const event = source.emit('dispatch');
    expect((await reader.waitForEvents(2))[1]?.id).toBe(String(event.id));
  });

  it('sends heartbeat comments', async () => {
    const { server } = await serve({ heartbeatMs: 10 });
    const { reader } = await openEventStream(`${server.url}/api/v1/events`);
    track(reader);
    await reader.pulse.waitFor(() => reader.comments.includes('heartbeat'), 'a heartbeat comment');
  });

  it('a throwing snapshot answers 503 and subscribes nothing', async () => {
    const { server, source } = await serve();
    source.snapshotImpl = () => {
      throw new Error('not ready');
    };
    const response = await fetch(`${server.url}/api/v1/events`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: { code: 'snapshot_unavailable', message: 'state snapshot unavailable: not ready' } });
    expect(source.listenerCount).toBe(0);
  });

  it('a client that disconnects is unsubscribed', async () => {
    const { server, source } = await serve();
    const { reader } = await openEventStream(`${server.url}/api/v1/events`);
    await source.pulse.waitFor(() => source.listenerCount === 1, 'subscription');
    reader.cancel();
    await source.pulse.waitFor(() => source.listenerCount === 0, 'unsubscription');
  });

  it('close() ends every stream and unsubscribes', async () => {
    const { server, source } = await serve();
    const readers = await Promise.all([1, 2].map(async () => track((await openEventStream(`${server.url}/api/v1/events`)).reader)));
    await source.pulse.waitFor(() => source.listenerCount === 2, 'two subscriptions');
    await server.close();
    for (const reader of readers) await reader.pulse.waitFor(() => reader.ended, 'end of stream');
    expect(readers.every((reader) => reader.error === null)).toBe(true);
    expect(source.listenerCount).toBe(0);
  });

  it('a client that stops reading is dropped without affecting others', async () => {
    const records: LogRecord[] = [];
    const { server, source } = await serve({ logger: captureLogger(records) });
    const { reader: fast } = await openEventStream(`${server.url}/api/v1/events`);
    track(fast);
    await source.pulse.waitFor(() => source.listenerCount === 1, 'fast subscription');
    const slow: Socket = connect(server.port, '127.0.0.1');
    onCleanup(() => void slow.destroy());
    slow.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: text/event-stream\r\n\r\n`);
    slow.pause();
    await source.pulse.waitFor(() => source.listenerCount === 2, 'slow subscription');
    const big = 'x'.repeat(64 * 1024);
    let sent = 0;
    // Each event waits for the fast client to have it, so only the slow client accumulates unsent data;
    // loopback socket buffers absorb several MB before the server's own buffer starts to grow.
    while (source.listenerCount === 2) {
      if (sent > 2000) throw new Error('slow client never dropped');
      source.emit('agent_event', big);
      sent += 1;
      await fast.waitForEvents(1 + sent);
    }
    expect(records).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'event stream client not reading; dropped' }));
    const after = source.emit('run_ended', 'still flowing');
    const received = await fast.waitForEvents(2 + sent);
    expect(received.at(-1)?.id).toBe(String(after.id));
    expect(received.slice(1).map((message) => Number(message.id))).toEqual(Array.from({ length: sent + 1 }, (_, i) => i + 1));
    expect(fast.ended).toBe(false);
  });
});

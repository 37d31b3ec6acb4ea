/**
 * Event-stream heartbeats on the manual clock: {@link EventStreams} against an in-memory response,
 * so each heartbeat is a timer the test fires, never a wait.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logging/logger.js';
import { EventStreams, HEARTBEAT } from '../../src/server/sse.js';
import { ManualClock } from '../support/manual-clock.js';
import { FakeSource, sampleSnapshot } from './fake-source.js';

/** The parts of a `ServerResponse` an event stream uses; every chunk written is kept. */
class FakeResponse extends EventEmitter {
  readonly chunks: string[] = [];
  statusCode = 0;
  destroyed = false;
  writableEnded = false;
  writableLength = 0;
  failWrites = false;
  readonly socket = null;

  writeHead(status: number): this {
    this.statusCode = status;
    return this;
  }
  write(chunk: string): boolean {
    if (this.failWrites) throw new Error('socket gone');
    this.chunks.push(chunk);
    return true;
  }
  end(): this {
    this.writableEnded = true;
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  heartbeats(): number {
    return this.chunks.filter((chunk) => chunk === HEARTBEAT).length;
  }
}

function setup(heartbeatMs = 1_000): { clock: ManualClock; source: FakeSource; streams: EventStreams; response: FakeResponse } {
  const clock = new ManualClock();
  const source = new FakeSource();
  const streams = new EventStreams({ source, logger: silentLogger(), heartbeatMs, clock });
  const response = new FakeResponse();
  streams.open(response as unknown as ServerResponse, sampleSnapshot());
  return { clock, source, streams, response };
}

describe('EventStreams heartbeats (clock-driven)', () => {
  it('sends one heartbeat per heartbeatMs of clock time, from an unref\'d timer', () => {
    const { clock, response } = setup(1_000);
    expect(response.statusCode).toBe(200);
    expect(clock.pending()).toEqual([expect.objectContaining({ delayMs: 1_000, unref: true })]);
    clock.advance(999);
    expect(response.heartbeats()).toBe(0);
    clock.advance(1);
    expect(response.heartbeats()).toBe(1);
    clock.advance(3_000);
    expect(response.heartbeats()).toBe(4);
    expect(clock.pending()).toHaveLength(1);
  });

  it('a heartbeat interleaves with events and never replaces them', () => {
    const { clock, source, response } = setup(1_000);
    source.emit('dispatch');
    clock.advance(1_000);
    source.emit('run_ended');
    expect(response.chunks.slice(1).map((chunk) => (chunk === HEARTBEAT ? 'heartbeat' : /event: (\w+)/.exec(chunk)?.[1]))).toEqual([
      'dispatch',
      'heartbeat',
      'run_ended',
    ]);
  });

  it('stops when the client disconnects', () => {
    const { clock, source, streams, response } = setup(1_000);
    clock.advance(1_000);
    response.emit('close');
    expect(streams.size).toBe(0);
    expect(source.listenerCount).toBe(0);
    expect(clock.pending()).toEqual([]);
    clock.advance(10_000);
    expect(response.heartbeats()).toBe(1);
  });

  it('stops when closeAll() ends the streams', () => {
    const { clock, response, streams } = setup(1_000);
    streams.closeAll();
    expect(response.writableEnded).toBe(true);
    expect(clock.pending()).toEqual([]);
  });

  it('a heartbeat whose write fails closes the stream and arms nothing more', () => {
    const { clock, streams, response } = setup(1_000);
    response.failWrites = true;
    clock.advance(1_000);
    expect(response.destroyed).toBe(true);
    expect(streams.size).toBe(0);
    expect(clock.pending()).toEqual([]);
  });
});

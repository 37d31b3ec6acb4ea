/**
 * Closing the HTTP server never waits on a client (issue 7 item 1): after dashboard tabs went
 * away, the spare and keep-alive connections they leave behind are destroyed at once, streams are
 * unsubscribed, and a request in flight still gets its answer.
 */
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { onCleanup, serve } from './harness.js';
import { openEventStream } from './sse-reader.js';

/** A raw TCP connection to the server that sends nothing (what browsers and undici keep spare). */
async function spareConnection(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  onCleanup(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

function closed(socket: Socket): Promise<void> {
  return socket.destroyed || socket.readyState === 'closed' ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('closing the HTTP server after clients went away (issue 7 item 1)', () => {
  it('20 stream clients connect and disconnect: 0 subscribers remain and close() resolves', async () => {
    const { server, source } = await serve();
    // A keep-alive connection that served a request and idles in the client's pool.
    expect((await fetch(`${server.url}/api/v1/state`)).status).toBe(200);
    const streams = await Promise.all(Array.from({ length: 20 }, () => openEventStream(`${server.url}/api/v1/events`)));
    await source.pulse.waitFor(() => source.listenerCount === 20, '20 subscriptions');
    for (const { reader } of streams) reader.cancel();
    await source.pulse.waitFor(() => source.listenerCount === 0, 'every stream unsubscribed');
    await server.close();
    expect(source.listenerCount).toBe(0);
  });

  it('a connection that never sent a request does not hold close() (Node would wait for its headers)', async () => {
    const { server } = await serve();
    const spare = await spareConnection(server.url);
    const gone = closed(spare);
    await server.close();
    await gone;
    expect(spare.destroyed || spare.readyState === 'closed').toBe(true);
  });

  it('an open stream ends and a spare connection goes when the server closes', async () => {
    const { server, source } = await serve();
    const { reader } = await openEventStream(`${server.url}/api/v1/events`);
    onCleanup(() => reader.cancel());
    const spare = await spareConnection(server.url);
    await source.pulse.waitFor(() => source.listenerCount === 1, 'subscription');
    await server.close();
    await reader.pulse.waitFor(() => reader.ended, 'end of stream');
    await closed(spare);
    expect(source.listenerCount).toBe(0);
  });

  it('a request in flight when close() starts still gets its answer', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const { server } = await serve({
      metrics: async () => {
        entered();
        await gate;
        return { contentType: 'text/plain', body: 'ok\n' };
      },
    });
    const { hostname, port } = new URL(server.url);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: hostname, port: Number(port), path: '/metrics', method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject).end();
    });
    await inHandler;
    const closing = server.close();
    release();
    expect(await answer).toEqual({ status: 200, body: 'ok\n' });
    await closing;
  });
});

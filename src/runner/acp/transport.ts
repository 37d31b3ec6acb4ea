/**
 * The ACP stdio transport: the agent's stdout and stdin as the message stream the ACP SDK's
 * connection reads and writes (newline-delimited JSON-RPC 2.0, spec §10.1's 10 MB line cap).
 *
 * Framing is ours ({@link createLineDecoder}) rather than the SDK's `ndJsonStream`, so the session
 * sees every incoming line synchronously and in order before the SDK dispatches it: the raw line
 * (session log), the parsed message (the turn's silence timer, `session/update` events in
 * arrival order) and lines that are not JSON objects (reported, then dropped).
 */
import type { Readable, Writable } from 'node:stream';
import type { AnyMessage, Stream } from '@agentclientprotocol/sdk';
import { createLineDecoder, DEFAULT_MAX_LINE_BYTES, type FrameEvent } from '../jsonrpc/framing.js';

/** Observers of the raw traffic. Each must not throw (a throw is swallowed). */
export interface StreamTap {
  /** Every incoming line (`recv`, an over-long one as a placeholder) and outgoing line (`send`), in order. */
  onLine?(direction: 'recv' | 'send', line: string): void;
  /** Every incoming JSON object, before the SDK sees it. */
  onMessage(message: Readonly<Record<string, unknown>>): void;
  /** An incoming line that is not a JSON object (`reason` says why); it is dropped. */
  onMalformed(reason: string, line: string | null): void;
}

function guarded(call: () => void): void {
  try {
    call();
  } catch {
    // an observer must never break the stream
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Wraps the agent's stdio as an ACP SDK {@link Stream}. The readable side closes when stdout
 * ends; writes after stdin closed reject (the SDK then closes the connection).
 *
 * @param maxLineBytes - per-line cap in bytes; longer lines are reported and skipped. Default 10 MiB.
 */
export function stdioStream(stdout: Readable, stdin: Writable, tap: StreamTap, maxLineBytes: number = DEFAULT_MAX_LINE_BYTES): Stream {
  const decoder = createLineDecoder(maxLineBytes);
  stdin.on('error', () => {
    /* EPIPE after the agent died: surfaced through the exit, not as a crash */
  });
  // Set once the stream closed or its reader (the SDK connection) cancelled it.
  let closed = false;
  const readable = new ReadableStream<AnyMessage>({
    start(controller) {
      const deliver = (event: FrameEvent): void => {
        if (event.kind === 'overflow') {
          guarded(() => tap.onLine?.('recv', `[line longer than ${event.maxLineBytes} bytes skipped]`));
          guarded(() => tap.onMalformed(`line longer than ${event.maxLineBytes} bytes skipped`, null));
          return;
        }
        const line = event.text.trim();
        if (line === '') return;
        guarded(() => tap.onLine?.('recv', line));
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (error) {
          guarded(() => tap.onMalformed(`unparseable line: ${error instanceof Error ? error.message : String(error)}`, line));
          return;
        }
        if (!isRecord(value)) {
          guarded(() => tap.onMalformed('not a JSON-RPC message object', line));
          return;
        }
        guarded(() => tap.onMessage(value));
        if (!closed) controller.enqueue(value as AnyMessage);
      };
      const finish = (): void => {
        if (closed) return;
        for (const event of decoder.end()) deliver(event);
        closed = true;
        controller.close();
      };
      stdout.on('data', (chunk: Buffer | string) => {
        for (const event of decoder.push(chunk)) deliver(event);
      });
      stdout.once('end', finish);
      stdout.once('close', finish);
      stdout.on('error', finish);
    },
    cancel() {
      closed = true;
    },
  });
  const writable = new WritableStream<AnyMessage>({
    write(message) {
      const line = JSON.stringify(message);
      return new Promise<void>((resolve, reject) => {
        if (stdin.destroyed || stdin.writableEnded) {
          reject(new Error('the agent closed its input'));
          return;
        }
        guarded(() => tap.onLine?.('send', line));
        stdin.write(`${line}\n`, (error) => (error ? reject(error) : resolve()));
      });
    },
  });
  return { readable, writable };
}

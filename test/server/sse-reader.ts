/**
 * Reads a server-sent event stream from a fetch response into parsed messages, waking a pulse on
 * every message, comment and at the end of the stream.
 */
import { Pulse } from '../support/wait.js';

/** One parsed SSE message. */
export interface SseMessage {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: string | null;
  readonly retry: string | null;
}

/** Parses the stream of `response` in the background. */
export class SseReader {
  readonly pulse = new Pulse();
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  ended = false;
  error: unknown = null;
  readonly #controller: AbortController;

  constructor(response: Response, controller: AbortController) {
    this.#controller = controller;
    void this.#read(response);
  }

  /** Messages with an `event:` field (the `retry:`-only block is left out). */
  get events(): SseMessage[] {
    return this.messages.filter((message) => message.event !== null);
  }

  /** Waits until at least `count` events arrived. */
  waitForEvents(count: number): Promise<SseMessage[]> {
    return this.pulse.waitFor(() => (this.events.length >= count ? this.events : null), `${count} SSE events`);
  }

  /** Aborts the request (idempotent). */
  cancel(): void {
    this.#controller.abort();
  }

  async #read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      if (response.body === null) throw new Error('no body');
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          this.#block(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
        this.pulse.notify();
      }
    } catch (error) {
      this.error = error;
    }
    this.ended = true;
    this.pulse.notify();
  }

  #block(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const name = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      fields[name] = fields[name] === undefined ? value : `${fields[name]}\n${value}`;
    }
    if (Object.keys(fields).length === 0) return;
    this.messages.push({ id: fields.id ?? null, event: fields.event ?? null, data: fields.data ?? null, retry: fields.retry ?? null });
  }
}

/** Opens `url` as an event stream. */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<{ response: Response; reader: SseReader }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  return { response, reader: new SseReader(response, controller) };
}

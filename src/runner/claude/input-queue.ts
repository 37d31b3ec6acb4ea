/**
 * The streaming input of one Claude Code session: the SDK reads user messages from this async
 * iterable for as long as the session lives (one `query()` per run); each turn pushes one. Ending
 * it closes Claude Code's stdin, which ends the session.
 */
import type { UUID } from 'node:crypto';
import type { SDKUserMessage } from '@anthropic-ai/claude-agent-sdk';

/** A push queue of user messages, read once by the SDK. */
export class UserMessageQueue implements AsyncIterable<SDKUserMessage> {
  private readonly items: SDKUserMessage[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  /**
   * Queues the user message `text`; `uuid` comes back on the turn's `result` as `user_message_uuid`.
   * Ignored once {@link UserMessageQueue.end} ran.
   */
  push(text: string, uuid: UUID): void {
    if (this.ended) return;
    this.items.push({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, uuid });
    this.notify();
  }

  /** No more messages: the iteration ends once the queued ones are read. Idempotent. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SDKUserMessage> {
    for (;;) {
      const next = this.items.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

/**
 * Newline-delimited JSON framing for a stdio JSON-RPC stream (spec §10.1: "Max line size: 10 MB").
 *
 * Pure: bytes in, complete lines out. No I/O, no timers. A line longer than the cap is reported
 * once as an overflow and its bytes are dropped as they arrive, so memory stays bounded by the cap
 * no matter how long the offending line is.
 */

/** Default maximum line length in bytes (10 MiB), excluding the terminating newline. */
export const DEFAULT_MAX_LINE_BYTES = 10 * 1024 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** One framing result: a complete line (UTF-8 decoded, `\r\n` tolerated) or an over-long line. */
export type FrameEvent =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'overflow'; readonly maxLineBytes: number };

/** Incremental splitter; feed it chunks in arrival order. */
export interface LineDecoder {
  /** Consumes one chunk (a string is UTF-8 encoded first) and returns the lines it completed. */
  push(chunk: Uint8Array | string): FrameEvent[];
  /**
   * Flushes a final unterminated line at end of stream (returned as a line when non-blank and
   * within the cap). The decoder is reset afterwards.
   */
  end(): FrameEvent[];
  /** Bytes currently held for an incomplete line (never more than the cap). */
  readonly bufferedBytes: number;
}

/**
 * Creates a {@link LineDecoder}.
 *
 * @param maxLineBytes - cap per line in bytes; default {@link DEFAULT_MAX_LINE_BYTES}.
 */
export function createLineDecoder(maxLineBytes: number = DEFAULT_MAX_LINE_BYTES): LineDecoder {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** True while dropping the rest of an over-long line (already reported). */
  let skipping = false;

  const reset = (): void => {
    pending = [];
    pendingBytes = 0;
  };

  const finishLine = (segment: Buffer, events: FrameEvent[]): void => {
    if (skipping) {
      skipping = false;
      reset();
      return;
    }
    const total = pendingBytes + segment.length;
    const contentBytes = total > 0 && lastByte(pending, segment) === CARRIAGE_RETURN ? total - 1 : total;
    if (contentBytes > maxLineBytes) {
      events.push({ kind: 'overflow', maxLineBytes });
      reset();
      return;
    }
    const line = pending.length === 0 ? segment : Buffer.concat([...pending, segment]);
    reset();
    const text = line.toString('utf8', 0, contentBytes);
    if (text.trim() !== '') events.push({ kind: 'line', text });
  };

  const push = (chunk: Uint8Array | string): FrameEvent[] => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const events: FrameEvent[] = [];
    let start = 0;
    for (let index = bytes.indexOf(NEWLINE, start); index !== -1; index = bytes.indexOf(NEWLINE, start)) {
      finishLine(bytes.subarray(start, index), events);
      start = index + 1;
    }
    if (start < bytes.length && !skipping) {
      const rest = bytes.subarray(start);
      // Keep a private copy: the caller may reuse its chunk buffer.
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
      if (pendingBytes > maxLineBytes + 1) {
        events.push({ kind: 'overflow', maxLineBytes });
        reset();
        skipping = true;
      }
    }
    return events;
  };

  const end = (): FrameEvent[] => {
    const events: FrameEvent[] = [];
    if (!skipping && pendingBytes > 0) finishLine(Buffer.alloc(0), events);
    skipping = false;
    reset();
    return events;
  };

  return {
    push,
    end,
    get bufferedBytes() {
      return pendingBytes;
    },
  };
}

function lastByte(pending: readonly Buffer[], segment: Buffer): number | undefined {
  if (segment.length > 0) return segment[segment.length - 1];
  const last = pending[pending.length - 1];
  return last === undefined ? undefined : last[last.length - 1];
}

/** Serializes one message as a single protocol line (`JSON` + `\n`). */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

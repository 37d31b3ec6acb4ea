/**
 * Bounded capture of a hook's stdout/stderr and truncation for logs (spec §15.4: hook output
 * SHOULD be truncated in logs).
 */

/** Bytes of each stream kept in memory per hook run. */
export const HOOK_OUTPUT_CAPTURE_BYTES = 64 * 1024;

/** Bytes of each stream written to a log line. */
export const HOOK_OUTPUT_LOG_BYTES = 2 * 1024;

/**
 * Keeps the first `capBytes` bytes written to it and counts the rest. Accepts strings (UTF-8) and
 * Buffers; never throws, so it can sit on a stream's `data` event.
 */
export class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Total bytes seen, kept or not. */
  totalBytes = 0;

  /** @param capBytes - bytes to keep; default {@link HOOK_OUTPUT_CAPTURE_BYTES}. */
  constructor(private readonly capBytes: number = HOOK_OUTPUT_CAPTURE_BYTES) {}

  /** Appends a chunk; bytes beyond the cap are counted and dropped. */
  push(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.totalBytes += bytes.length;
    const room = this.capBytes - this.kept;
    if (room <= 0) return;
    const slice = bytes.length > room ? bytes.subarray(0, room) : bytes;
    this.chunks.push(slice);
    this.kept += slice.length;
  }

  /** The kept text (UTF-8; a character cut at the cap becomes U+FFFD) plus a marker if truncated. */
  text(): string {
    const kept = Buffer.concat(this.chunks).toString('utf8');
    const dropped = this.totalBytes - this.kept;
    return dropped > 0 ? `${kept}${truncationMarker(dropped)}` : kept;
  }
}

/**
 * Shortens `text` to at most `maxBytes` UTF-8 bytes (never splitting a character) and appends
 * `… [truncated N bytes]` when anything was cut. Pure.
 *
 * @param maxBytes - default {@link HOOK_OUTPUT_LOG_BYTES}.
 */
export function truncateForLog(text: string, maxBytes: number = HOOK_OUTPUT_LOG_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over UTF-8 continuation bytes so the cut falls on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}${truncationMarker(bytes.length - end)}`;
}

/** First non-blank line of `text`, trimmed; empty string when there is none. Pure. */
export function firstLine(text: string): string {
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed !== '') return trimmed;
  }
  return '';
}

function truncationMarker(droppedBytes: number): string {
  return `… [truncated ${droppedBytes} bytes]`;
}

/**
 * Session logs (our extension of spec §13.2): the raw app-server stream of one session, both
 * directions, every line in order, in `<logsRoot>/sessions/<workspace_key>/<session_id>.jsonl`.
 *
 * `session_id` is the `<thread_id>-<turn_id>` of the session's FIRST turn; continuation turns of
 * the same thread go on in the same file. Lines seen before the first turn starts (handshake) are
 * buffered in memory (bounded) and written first. Each record is one JSON line:
 * `{"at":"<iso>","dir":"recv"|"send","msg":<the message>}`, or `"raw":"<text>"` in place of `msg`
 * when the line is not JSON. Past the size cap one `{"at":…,"truncated":true,"maxBytes":N}` record
 * is written and the rest dropped. Disk errors never affect the run: one warning, then the log is
 * disabled.
 *
 * The stream carries no tracker credentials: the agent's environment has none (spec §15.3) and
 * host-side tool results are scrubbed by the tracker adapter before they are sent. Operator
 * answers to secret user-input questions are recorded as `[redacted]` (the session substitutes the
 * line it sends; see `session-core.ts`).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Logger } from './logger.js';

/** Direction of a line: `recv` from the app-server, `send` to it. */
export type StreamDirection = 'recv' | 'send';

/** Default size cap of one session log file: 10 MiB. */
export const DEFAULT_SESSION_LOG_MAX_BYTES = 10 * 1024 * 1024;

/** Default cap of the lines buffered before the first turn: 1 MiB. */
export const DEFAULT_SESSION_LOG_BUFFER_BYTES = 1024 * 1024;

/** Options of {@link SessionLog}. */
export interface SessionLogOptions {
  /** The daemon's logs root (`--logs-root`); files go under `<logsRoot>/sessions/`. */
  readonly logsRoot: string;
  /** `workspace_key` of the issue (see `src/workspace/key.ts`). */
  readonly workspaceKey: string;
  /** Size cap of the file in bytes. Default {@link DEFAULT_SESSION_LOG_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Cap of the pre-first-turn buffer in bytes. Default {@link DEFAULT_SESSION_LOG_BUFFER_BYTES}. */
  readonly bufferBytes?: number;
  /** Receives the single warning when writing fails. */
  readonly logger: Logger;
  /** Clock for the `at` field. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** `<logsRoot>/sessions/<workspaceKey>/<sessionId>.jsonl`. Pure. */
export function sessionLogPath(logsRoot: string, workspaceKey: string, sessionId: string): string {
  return path.join(logsRoot, 'sessions', workspaceKey, `${sessionId}.jsonl`);
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/**
 * One record line (with its newline) for `line` seen at `at` going `dir`. A JSON line is embedded
 * verbatim as `msg` (never re-serialized); anything else becomes the string `raw`. Pure.
 */
export function formatSessionLogRecord(at: Date, dir: StreamDirection, line: string): string {
  const body = isJson(line) ? `"msg":${line}` : `"raw":${JSON.stringify(line)}`;
  return `{"at":${JSON.stringify(at.toISOString())},"dir":"${dir}",${body}}\n`;
}

/** The session log of one app-server session. Methods never throw. */
export class SessionLog {
  private stream: WriteStream | null = null;
  private filePath: string | null = null;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private droppedBeforeStart = 0;
  private writtenBytes = 0;
  private state: 'buffering' | 'writing' | 'truncated' | 'disabled' | 'closed' = 'buffering';
  private readonly maxBytes: number;
  private readonly bufferBytes: number;
  private readonly now: () => Date;

  constructor(private readonly options: SessionLogOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_SESSION_LOG_MAX_BYTES;
    this.bufferBytes = options.bufferBytes ?? DEFAULT_SESSION_LOG_BUFFER_BYTES;
    this.now = options.now ?? (() => new Date());
  }

  /** The file path once the first turn started, else null. */
  get path(): string | null {
    return this.filePath;
  }

  /** Records one protocol line (without its newline). Buffered until {@link SessionLog.begin}. */
  record(dir: StreamDirection, line: string): void {
    if (this.state !== 'buffering' && this.state !== 'writing') return;
    const record = formatSessionLogRecord(this.now(), dir, line);
    if (this.state === 'writing') {
      this.write(record);
      return;
    }
    const bytes = Buffer.byteLength(record);
    if (this.bufferedBytes + bytes > this.bufferBytes) {
      this.droppedBeforeStart++;
      return;
    }
    this.buffer.push(record);
    this.bufferedBytes += bytes;
  }

  /** Opens the file for the session's first turn (`<thread_id>-<turn_id>`) and flushes the buffer. Later calls do nothing. */
  begin(sessionId: string): void {
    if (this.state !== 'buffering') return;
    const file = sessionLogPath(this.options.logsRoot, this.options.workspaceKey, sessionId);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      this.stream = createWriteStream(file, { flags: 'a' });
    } catch (error) {
      this.disable(file, error);
      return;
    }
    this.filePath = file;
    this.stream.on('error', (error) => this.disable(file, error));
    this.state = 'writing';
    const buffered = this.buffer;
    this.buffer = [];
    this.bufferedBytes = 0;
    for (const record of buffered) this.write(record);
    if (this.droppedBeforeStart > 0) {
      this.write(`{"at":${JSON.stringify(this.now().toISOString())},"droppedBeforeFirstTurn":${this.droppedBeforeStart}}\n`);
    }
  }

  /** Flushes and closes the file; later records are ignored. Resolves once the data is written (or writing failed). */
  close(): Promise<void> {
    const stream = this.stream;
    this.state = this.state === 'disabled' ? 'disabled' : 'closed';
    this.buffer = [];
    this.stream = null;
    if (stream === null || stream.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      stream.once('error', () => resolve());
      stream.end(() => resolve());
    });
  }

  private write(record: string): void {
    if (this.stream === null || this.state !== 'writing') return;
    const bytes = Buffer.byteLength(record);
    if (this.writtenBytes + bytes > this.maxBytes) {
      this.state = 'truncated';
      this.stream.write(`{"at":${JSON.stringify(this.now().toISOString())},"truncated":true,"maxBytes":${this.maxBytes}}\n`);
      return;
    }
    this.writtenBytes += bytes;
    this.stream.write(record);
  }

  private disable(file: string, error: unknown): void {
    if (this.state === 'disabled') return;
    this.state = 'disabled';
    this.buffer = [];
    const stream = this.stream;
    this.stream = null;
    stream?.destroy();
    this.options.logger.warn({ session_log: file, err: error instanceof Error ? error.message : String(error) }, 'session log cannot be written; disabled for this session');
  }
}

/**
 * The client side of one ACP connection, built on the ACP SDK (`@agentclientprotocol/sdk` 2.4,
 * stable v1): requests to the agent with a deadline and errors in this daemon's vocabulary, the
 * one agent request this client serves (`session/request_permission`), and closing. Incoming
 * `fs/*` and `terminal/*` requests are answered "method not found" by the SDK (this client
 * advertises neither capability, so the agent uses its own tools).
 */
import { client, RequestError, type ClientConnection, type RequestPermissionRequest, type RequestPermissionResponse, type Stream } from '@agentclientprotocol/sdk';
import { systemClock, type Clock, type TimerHandle } from '../../domain/clock.js';
import { oneLine, SymphonyError } from '../../errors.js';

/** What the connection asks of its owner. */
export interface AcpClientHandlers {
  /** Answers one permission request; may wait (for an operator). Must not reject. */
  requestPermission(params: RequestPermissionRequest): Promise<RequestPermissionResponse>;
}

/** Maps a rejected request to a {@link SymphonyError}: `response_error` for an error response, else `port_exit` (connection gone). */
export function requestFailure(method: string, error: unknown): SymphonyError {
  if (error instanceof SymphonyError) return error;
  if (error instanceof RequestError) {
    return new SymphonyError('response_error', `ACP ${method} failed: ${oneLine(error.message, 300)} (JSON-RPC error ${error.code})`, { cause: error, details: { method, code: error.code } });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SymphonyError('port_exit', `ACP connection closed during ${method}: ${oneLine(reason, 200)}`, { cause: error, details: { method } });
}

/** One client connection to an ACP agent. */
export class AcpClient {
  private readonly connection: ClientConnection;
  private readonly clock: Clock;

  constructor(stream: Stream, handlers: AcpClientHandlers, clock: Clock = systemClock) {
    this.clock = clock;
    const app = client({ name: 'symphony-ts' }).onRequest('session/request_permission', ({ params }) => handlers.requestPermission(params));
    this.connection = app.connect(stream);
  }

  /** Resolves once the connection closed (stream ended or {@link AcpClient.close}). */
  get closed(): Promise<void> {
    return this.connection.closed;
  }

  /**
   * Sends a request and awaits its result.
   *
   * @param timeoutMs - deadline in ms; null: none (a prompt turn, bounded by its silence timer).
   * @throws SymphonyError `response_timeout` after `timeoutMs` (the request is abandoned);
   *   `response_error` for an error response; `port_exit` when the connection closes first.
   */
  async request<T>(method: string, params: unknown, timeoutMs: number | null): Promise<T> {
    const response = this.connection.agent.request<T>(method, params);
    if (timeoutMs === null) {
      try {
        return await response;
      } catch (error) {
        throw requestFailure(method, error);
      }
    }
    let timer: TimerHandle | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(
        () => reject(new SymphonyError('response_timeout', `ACP agent did not answer ${method} within ${timeoutMs} ms`, { details: { method, timeoutMs } })),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([response, deadline]);
    } catch (error) {
      response.catch(() => undefined);
      throw requestFailure(method, error);
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
    }
  }

  /** Sends a notification; a closed connection drops it silently. */
  notify(method: string, params: unknown): void {
    this.connection.agent.notify(method, params).catch(() => undefined);
  }

  /** Rejects everything outstanding and stops sending. Idempotent. */
  close(reason: SymphonyError): void {
    this.connection.close(reason);
  }
}

/**
 * The MCP (Model Context Protocol) server side this daemon needs to offer host-side tools to an
 * ACP agent: `initialize`, `ping`, `tools/list` and `tools/call` over JSON-RPC 2.0, nothing else
 * (no resources, prompts, sampling or server-to-client requests). Transport-free: one parsed
 * message in, the response to send (or none, for notifications and responses) out. The tool runs
 * through the injected `callTool`.
 *
 * Protocol versions: the client's requested version is echoed when it is one of
 * {@link MCP_PROTOCOL_VERSIONS}, else the newest of them is offered (MCP version negotiation).
 */
import { oneLine } from '../../errors.js';
import type { AgentToolSpec, ToolResult } from '../../tracker/tracker.js';

/** MCP protocol revisions this server speaks, newest first. */
export const MCP_PROTOCOL_VERSIONS: readonly string[] = ['2025-06-18', '2025-03-26', '2024-11-05'];

/** JSON-RPC error codes used here. */
const METHOD_NOT_FOUND = -32601;
const INVALID_REQUEST = -32600;
const INVALID_PARAMS = -32602;

/** What the protocol needs from its host. */
export interface McpToolHandlers {
  readonly tools: readonly AgentToolSpec[];
  readonly serverInfo: { readonly name: string; readonly version: string };
  /** Runs an advertised tool; never rejects. Unknown names never reach it. */
  callTool(name: string, args: unknown): Promise<ToolResult>;
  /** Called for a `tools/call` of a tool that is not advertised. */
  onUnknownTool(name: string): void;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function isId(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

function error(id: string | number | null, code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function result(id: string | number, value: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id, result: value };
}

/** The `tools/call` result for a tool outcome: one text block, `isError` on failure. */
export function toolCallResult(outcome: ToolResult): Record<string, unknown> {
  return { content: [{ type: 'text', text: outcome.text }], isError: !outcome.success };
}

/**
 * Handles one incoming JSON-RPC message. Resolves with the response for a request, null for a
 * notification or a response (nothing to send). Never rejects.
 */
export async function handleMcpMessage(message: unknown, handlers: McpToolHandlers): Promise<Record<string, unknown> | null> {
  const method = field(message, 'method');
  const id = field(message, 'id');
  if (typeof method !== 'string') return isId(id) ? null : error(null, INVALID_REQUEST, 'not a JSON-RPC request');
  if (!isId(id)) return null; // a notification (initialized, cancelled…): nothing to answer
  const params = field(message, 'params');
  switch (method) {
    case 'initialize': {
      const requested = field(params, 'protocolVersion');
      const protocolVersion = typeof requested === 'string' && MCP_PROTOCOL_VERSIONS.includes(requested) ? requested : MCP_PROTOCOL_VERSIONS[0];
      return result(id, { protocolVersion, capabilities: { tools: { listChanged: false } }, serverInfo: handlers.serverInfo });
    }
    case 'ping':
      return result(id, {});
    case 'tools/list':
      return result(id, { tools: handlers.tools.map((tool) => ({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema })) });
    case 'tools/call': {
      const name = field(params, 'name');
      if (typeof name !== 'string' || name === '') return error(id, INVALID_PARAMS, 'tools/call needs params.name');
      if (!handlers.tools.some((tool) => tool.name === name)) {
        handlers.onUnknownTool(name);
        return result(id, toolCallResult({ success: false, text: `unsupported tool call: ${oneLine(name, 80)}; this tool is not available in this session` }));
      }
      return result(id, toolCallResult(await handlers.callTool(name, field(params, 'arguments') ?? {})));
    }
    default:
      return error(id, METHOD_NOT_FOUND, `method not supported by this MCP server: ${oneLine(method, 80)}`);
  }
}

/**
 * Host-side tools for an ACP agent (the tracker tool, spec §10.5 in ACP terms): the run's
 * `RuntimeStartRequest.tools` are served by a loopback MCP server of this daemon
 * (`mcp-http.ts`), passed to the agent in `session/new` as an `http` MCP server named
 * {@link TOOL_SERVER_NAME} with a per-session bearer token. A call runs `executeTool` (bound to the
 * run's issue, with the daemon's tracker credentials) while the turn's silence timer is held, and
 * emits `tool_call_completed` / `tool_call_failed` (or `unsupported_tool_call`). The tracker key
 * never enters the agent's environment; the session token is redacted from the session log and
 * dies with the session.
 *
 * Agents that do not declare `agentCapabilities.mcpCapabilities.http` get no tools (a warning is
 * logged); a stdio shim for them is not implemented.
 */
import type { InitializeResponse, McpServer } from '@agentclientprotocol/sdk';
import { oneLine } from '../../errors.js';
import type { ToolResult } from '../../tracker/tracker.js';
import { startMcpHttpServer } from './mcp-http.js';
import type { AcpSessionCore } from './session-core.js';
import type { AcpSessionOptions } from './session.js';

/** The MCP server name the agent sees (Gemini CLI prefixes tool names with it). */
export const TOOL_SERVER_NAME = 'symphony';

async function runTool(core: AcpSessionCore, options: AcpSessionOptions, name: string, args: unknown): Promise<ToolResult> {
  const release = core.holdTurn();
  let outcome: ToolResult;
  try {
    const result = await options.executeTool(name, args);
    outcome = { success: result.success === true, text: typeof result.text === 'string' ? result.text : JSON.stringify(result.text ?? null) };
  } catch (error) {
    outcome = { success: false, text: `tool ${name} failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    release();
  }
  if (core.goneError() !== null) {
    options.logger.info({ tool: name }, 'tool call finished after the session ended; result dropped');
    return outcome;
  }
  core.emit(outcome.success ? 'tool_call_completed' : 'tool_call_failed', {
    method: 'tools/call',
    message: `${name}: ${oneLine(outcome.text, 150)}`,
    activity: { kind: 'tool', phase: outcome.success ? 'completed' : 'failed', tool: name, command: null, detail: outcome.success ? null : oneLine(outcome.text, 150) },
  });
  return outcome;
}

/**
 * The `mcpServers` of `session/new`: the tool server when there are tools and the agent takes
 * HTTP MCP servers, else none. The server stops with the session.
 */
export async function hostTools(core: AcpSessionCore, options: AcpSessionOptions, init: InitializeResponse): Promise<McpServer[]> {
  if (options.tools.length === 0) return [];
  if (init.agentCapabilities?.mcpCapabilities?.http !== true) {
    options.logger.warn({ tools: options.tools.map((tool) => tool.name) }, 'ACP agent does not accept HTTP MCP servers; host-side tools are not offered');
    return [];
  }
  const server = await startMcpHttpServer({
    tools: options.tools,
    serverInfo: { name: TOOL_SERVER_NAME, version: options.clientInfo?.version ?? '0.0.0' },
    callTool: (name, args) => runTool(core, options, name, args),
    onUnknownTool: (name) =>
      core.emit('unsupported_tool_call', { method: 'tools/call', message: `unsupported tool call: ${oneLine(name, 80)}`, activity: { kind: 'tool', phase: 'failed', tool: oneLine(name, 80), command: null, detail: 'not offered to this session' } }),
  });
  core.onStop(() => server.close());
  core.redact(server.token);
  core.servingTools(TOOL_SERVER_NAME, options.tools.map((tool) => tool.name));
  return [{ type: 'http', name: TOOL_SERVER_NAME, url: server.url, headers: [{ name: 'Authorization', value: `Bearer ${server.token}` }] }];
}

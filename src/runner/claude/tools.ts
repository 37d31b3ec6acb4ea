/**
 * The host-side tools (spec §10.5 `linear_graphql`…) for Claude Code: served as an in-process SDK
 * MCP server named `symphony`, so Claude Code sees `mcp__symphony__<name>` and every call runs in
 * the daemon with the daemon's credentials (the tracker key never reaches the agent). The tools
 * are always loaded (never deferred behind tool search).
 *
 * Claude Code's SDK wants zod shapes; each property of the tool's JSON Schema becomes one
 * (`z.fromJSONSchema`, or `z.unknown()` when a property cannot be converted), required ones
 * required. Argument validation proper stays with the tool's executor.
 */
import { createSdkMcpServer, tool, type McpSdkServerConfigWithInstance } from '@anthropic-ai/claude-agent-sdk';
import { z } from 'zod';
import type { AgentToolSpec, ToolResult } from '../../tracker/tracker.js';

/** Name of the in-process MCP server. */
export const HOST_MCP_SERVER = 'symphony';

/** The name Claude Code gives host tool `name`: `mcp__symphony__<name>`. */
export function hostToolName(name: string): string {
  return `mcp__${HOST_MCP_SERVER}__${name}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function propertySchema(schema: unknown): z.ZodType {
  if (!isRecord(schema)) return z.unknown();
  try {
    return z.fromJSONSchema(schema);
  } catch {
    return z.unknown();
  }
}

/**
 * A zod raw shape for an object JSON Schema: one entry per `properties` key, optional unless
 * listed in `required`. A schema without properties gives `{}` (a tool without arguments). Pure.
 */
export function jsonSchemaShape(schema: Readonly<Record<string, unknown>>): Record<string, z.ZodType> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === 'string') : []);
  const shape: Record<string, z.ZodType> = {};
  for (const [name, property] of Object.entries(properties)) {
    const converted = propertySchema(property);
    shape[name] = required.has(name) ? converted : converted.optional();
  }
  return shape;
}

/**
 * The `symphony` SDK MCP server offering `tools`; each call runs `run(name, args)` (which should
 * never reject: a rejection becomes an error result) and answers its text, `isError` when it failed.
 */
export function hostToolServer(tools: readonly AgentToolSpec[], run: (name: string, args: unknown) => Promise<ToolResult>): McpSdkServerConfigWithInstance {
  return createSdkMcpServer({
    name: HOST_MCP_SERVER,
    version: '1.0.0',
    alwaysLoad: true,
    tools: tools.map((spec) =>
      tool(spec.name, spec.description, jsonSchemaShape(spec.inputSchema), async (args) => {
        let result: ToolResult;
        try {
          result = await run(spec.name, args);
        } catch (error) {
          result = { success: false, text: `tool ${spec.name} failed: ${error instanceof Error ? error.message : String(error)}` };
        }
        return { content: [{ type: 'text' as const, text: result.text }], isError: !result.success };
      }),
    ),
  });
}

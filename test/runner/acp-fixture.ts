/** The scripted fake ACP agent (`fixtures/fake-acp-agent.mjs`) as an `acp.command`. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../support/codex.js';
import { NODE_BIN } from './helpers.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-acp-agent.mjs');

/** `acp.command` running the fake ACP agent with `scenario`; `env` assignments go before it. */
export function fakeAcpCommand(scenario: string, env: Readonly<Record<string, string>> = {}): string {
  const assignments = Object.entries(env).map(([name, value]) => `${name}=${shellQuote(value)} `).join('');
  return `${assignments}${shellQuote(NODE_BIN)} ${shellQuote(FIXTURE)} ${scenario}`;
}

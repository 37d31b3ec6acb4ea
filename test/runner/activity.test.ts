/**
 * Codex notifications → the runtime-neutral activity (issue 7 item 7), read from structured fields
 * of the Codex 0.169 schema (`ThreadItem` variants, `error.message`), never from summary text.
 */
import { describe, expect, it } from 'vitest';
import { itemActivity, notificationActivity } from '../../src/runner/app-server/activity.js';
import { activityOf, defaultActivity, type AgentEvent } from '../../src/domain/agent-event.js';

const ids = { threadId: 'th', turnId: 'tu' };

describe('Codex activity mapping', () => {
  it('reads the command, exit code and failure of a command execution item', () => {
    const item = { type: 'commandExecution', id: 'c1', command: 'npm test', cwd: '/ws', status: 'inProgress', commandActions: [] };
    expect(notificationActivity('item/started', { ...ids, item })).toEqual({ kind: 'command', phase: 'started', tool: null, command: 'npm test', detail: null });
    expect(notificationActivity('item/completed', { ...ids, item: { ...item, status: 'completed', exitCode: 0 } })).toEqual({ kind: 'command', phase: 'completed', tool: null, command: 'npm test', detail: 'exit code 0' });
    expect(notificationActivity('item/completed', { ...ids, item: { ...item, status: 'failed', exitCode: 2 } })).toMatchObject({ kind: 'command', phase: 'failed', detail: 'exit code 2' });
    expect(notificationActivity('item/commandExecution/outputDelta', { ...ids, itemId: 'c1', delta: 'ok' })).toMatchObject({ kind: 'command', phase: 'progress' });
  });

  it('names the tool of MCP and dynamic tool calls, with the server or namespace', () => {
    expect(itemActivity({ type: 'dynamicToolCall', id: 'd', tool: 'linear_graphql', status: 'inProgress' }, 'started')).toMatchObject({ kind: 'tool', tool: 'linear_graphql' });
    expect(itemActivity({ type: 'mcpToolCall', id: 'm', server: 'github', tool: 'create_pr', status: 'failed', error: { message: 'HTTP 403' } }, 'completed')).toEqual({
      kind: 'tool',
      phase: 'failed',
      tool: 'github/create_pr',
      command: null,
      detail: 'HTTP 403',
    });
    expect(itemActivity({ type: 'dynamicToolCall', id: 'd', tool: 'linear_graphql', success: false }, 'completed').phase).toBe('failed');
  });

  it('lists the changed paths of a file change (three, then a count)', () => {
    const changes = ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'].map((path) => ({ path, kind: { type: 'update' }, diff: '' }));
    expect(itemActivity({ type: 'fileChange', id: 'f', changes, status: 'completed' }, 'completed')).toMatchObject({ kind: 'file_change', phase: 'completed', detail: 'a.ts, b.ts, c.ts and 2 more' });
  });

  it('maps the other item kinds, streaming deltas, plans, errors and compaction', () => {
    expect(itemActivity({ type: 'agentMessage', id: 'm', text: '' }, 'completed').kind).toBe('message');
    expect(itemActivity({ type: 'reasoning', id: 'r', summary: [], content: [] }, 'started').kind).toBe('reasoning');
    expect(itemActivity({ type: 'webSearch', id: 'w', query: 'vitest forks' }, 'started')).toMatchObject({ kind: 'web_search', detail: 'vitest forks' });
    expect(itemActivity({ type: 'userMessage', id: 'u', content: [] }, 'started').kind).toBe('prompt');
    expect(itemActivity({ type: 'contextCompaction', id: 'x' }, 'completed').kind).toBe('compaction');
    expect(itemActivity({ type: 'imageView', id: 'i', path: '/p.png' }, 'started')).toMatchObject({ kind: 'other', detail: 'imageView' });
    expect(notificationActivity('item/agentMessage/delta', { ...ids, delta: 'hi' })).toMatchObject({ kind: 'message', phase: 'progress' });
    expect(notificationActivity('item/reasoning/summaryTextDelta', { ...ids, delta: 'hm' }).kind).toBe('reasoning');
    expect(notificationActivity('turn/plan/updated', { ...ids, plan: [] }).kind).toBe('plan');
    expect(notificationActivity('turn/diff/updated', { ...ids, diff: '' }).kind).toBe('file_change');
    expect(notificationActivity('error', { ...ids, error: { message: 'upstream overloaded' }, willRetry: true })).toMatchObject({ kind: 'error', detail: 'upstream overloaded' });
    expect(notificationActivity('thread/compacted', { ...ids }).kind).toBe('compaction');
  });

  it('status notices are internal (kept out of the last activity), and odd shapes never throw', () => {
    expect(notificationActivity('remoteControl/status/changed', { status: 'disabled' })).toEqual({ kind: 'internal', phase: 'progress', tool: null, command: null, detail: 'remoteControl/status/changed' });
    expect(notificationActivity('thread/status/changed', null).kind).toBe('internal');
    expect(notificationActivity('item/started', null)).toMatchObject({ kind: 'other', detail: null });
    expect(notificationActivity('item/completed', { item: { type: 42, command: { no: 1 } } })).toMatchObject({ kind: 'other' });
    expect(itemActivity({ type: 'commandExecution', command: `x\n${'y'.repeat(500)}` }, 'started').command?.length).toBeLessThanOrEqual(200);
  });
});

describe('default activity of events without one', () => {
  const event = (over: Partial<AgentEvent>): AgentEvent => ({ event: 'notification', timestamp: new Date(0), codexAppServerPid: null, ...over });

  it('derives it from the event name and the operator request, not from message text', () => {
    expect(defaultActivity(event({ event: 'launch_queued', message: '4 in flight' }))).toMatchObject({ kind: 'launch', phase: 'waiting', detail: '4 in flight' });
    expect(defaultActivity(event({ event: 'session_started', message: 'turn 1 started' }))).toMatchObject({ kind: 'turn', phase: 'started', detail: 'session started' });
    expect(defaultActivity(event({ event: 'token_usage_updated' })).kind).toBe('internal');
    expect(defaultActivity(event({ event: 'notification', message: 'item/started: commandExecution' }))).toMatchObject({ kind: 'other', phase: 'progress' });
    const request = { kind: 'approval' as const, method: 'item/commandExecution/requestApproval', summary: 'rm -rf build', command: 'rm -rf build', cwd: '/ws', reason: null, decisions: [], questions: [], sinceMs: 0, deadlineMs: 1 };
    expect(defaultActivity(event({ event: 'operator_waiting', operatorRequest: request, message: 'waiting for an operator: rm -rf build' }))).toEqual({ kind: 'operator', phase: 'waiting', tool: null, command: 'rm -rf build', detail: 'rm -rf build' });
  });

  it('activityOf prefers the emitter’s activity', () => {
    const given = { kind: 'command', phase: 'started', tool: null, command: 'make', detail: null } as const;
    expect(activityOf(event({ activity: given }))).toBe(given);
  });
});

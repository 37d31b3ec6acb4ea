/**
 * Review: spec §5.3.1 says `active_states` / `terminal_states` are provider-native names
 * "compared case-insensitively", and the memory adapter (same contract) matches them trimmed and
 * lowercased. The Linear adapter sends them verbatim to `state.name.in`, which Linear (and the
 * schema-executing fake) compares exactly, so `active_states: [todo, in progress]` dispatches
 * nothing and `terminal_states: [done]` cleans nothing at startup, silently.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTracker } from '../support/memory-tracker.js';
import { startLinearFixture, type LinearFixture } from '../tracker/linear-fixture.js';

let f: LinearFixture | null = null;
afterEach(async () => {
  await f?.close();
  f = null;
});

describe('review: Linear state reads compare state names like the scheduler does', () => {
  it('fetchIssuesByStates matches configured states ignoring case and surrounding blanks, like the memory adapter', async () => {
    f = await startLinearFixture();
    f.linear.addIssue({ identifier: 'SYM-1', state: 'Todo' });
    f.linear.addIssue({ identifier: 'SYM-2', state: 'In Progress' });
    f.linear.addIssue({ identifier: 'SYM-3', state: 'Done' });
    const memory = new MemoryTracker({
      issues: [
        { identifier: 'SYM-1', state: 'Todo' },
        { identifier: 'SYM-2', state: 'In Progress' },
        { identifier: 'SYM-3', state: 'Done' },
      ],
    });
    const requested = ['todo', ' In progress '];
    const fromMemory = (await memory.fetchIssuesByStates(requested)).map((i) => i.identifier);
    expect(fromMemory).toEqual(['SYM-1', 'SYM-2']);
    const fromLinear = (await f.adapter.fetchIssuesByStates(requested)).map((i) => i.identifier);
    expect(fromLinear).toEqual(fromMemory);
    expect(f.linear.invalidDocuments).toEqual([]);
  });

  it('startup terminal cleanup with terminal_states: [done] finds the Done issues', async () => {
    f = await startLinearFixture({ terminalStates: ['done'] });
    f.linear.addIssue({ identifier: 'SYM-9', state: 'Done' });
    const terminal = await f.adapter.fetchIssuesByStates(['done']);
    expect(terminal.map((i) => i.identifier)).toEqual(['SYM-9']);
  });
});

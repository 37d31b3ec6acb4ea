import { describe, expect, it } from 'vitest';
import { continuationGuidance } from '../../src/prompt/continuation.js';

const issue = { identifier: 'ABC-123', title: 'Fix the login bug', state: 'In Progress' };

describe('continuationGuidance', () => {
  it('names the issue, its state and the turn count', () => {
    const text = continuationGuidance({ issue, turnNumber: 2, maxTurns: 20 });
    expect(text).toContain('ABC-123');
    expect(text).toContain('"In Progress"');
    expect(text).toContain('turn 2 of at most 20');
    expect(text).toContain('do not start over');
    expect(text).not.toContain('last one');
  });

  it('says so on the last allowed turn', () => {
    expect(continuationGuidance({ issue, turnNumber: 20, maxTurns: 20 })).toContain('It is the last one');
  });

  it('is deterministic', () => {
    expect(continuationGuidance({ issue, turnNumber: 3, maxTurns: 5 })).toBe(continuationGuidance({ issue, turnNumber: 3, maxTurns: 5 }));
  });
});

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_KEY_MAX_LENGTH, workspaceKey } from '../../src/workspace/key.js';

const SAFE_KEY = /^[A-Za-z0-9._-]+$/;
const sha = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 20);

describe('workspaceKey', () => {
  it('§17.2 identifiers unchanged by sanitization keep their workspace key', () => {
    for (const identifier of ['ABC-123', 'abc.def_1-2', 'X', 'a..b', 'rf-', '...']) {
      expect(workspaceKey(identifier)).toBe(identifier);
    }
  });

  it('§17.2 sanitizes other characters to _ and appends an 80-bit hash of the original identifier', () => {
    expect(workspaceKey('ABC/1')).toBe(`ABC_1-${sha('ABC/1')}`);
    expect(workspaceKey('team 7: fix it')).toBe(`team_7__fix_it-${sha('team 7: fix it')}`);
    // One `_` per code point, not per UTF-16 unit or byte.
    expect(workspaceKey('É-😀')).toBe(`_-_-${sha('É-😀')}`);
  });

  it('§17.2 distinct identifiers that sanitize to the same text get distinct keys', () => {
    const keys = ['ABC/1', 'ABC:1', 'ABC 1', 'ABC_1'].map(workspaceKey);
    expect(keys[3]).toBe('ABC_1');
    expect(keys.every((key) => key.startsWith('ABC_1'))).toBe(true);
    expect(new Set(keys).size).toBe(4);
  });

  it('§17.2 is deterministic for the same identifier', () => {
    expect(workspaceKey('PROJ/42')).toBe(workspaceKey('PROJ/42'));
  });

  it('never yields the root, its parent or an empty name', () => {
    expect(workspaceKey('')).toBe(`_-${sha('')}`);
    expect(workspaceKey('.')).toBe(`_-${sha('.')}`);
    expect(workspaceKey('..')).toBe(`__-${sha('..')}`);
    expect(workspaceKey('../etc')).toBe(`.._etc-${sha('../etc')}`);
  });

  it('never starts with - (a hook passing the name to a command would read it as an option; issue 7 item 6)', () => {
    expect(workspaceKey('-rf')).toBe(`_rf-${sha('-rf')}`);
    expect(workspaceKey('--help')).toBe(`_-help-${sha('--help')}`);
    expect(workspaceKey('-')).toBe(`_-${sha('-')}`);
    expect(workspaceKey('-a/b')).toBe(`_a_b-${sha('-a/b')}`);
    // The escaped key and the identifier it resembles stay distinct.
    expect(workspaceKey('_rf')).toBe('_rf');
    expect(workspaceKey('-rf')).not.toBe(workspaceKey('_rf'));
  });

  it('caps over-long identifiers at NAME_MAX with a hash suffix', () => {
    const long = 'A'.repeat(300);
    const key = workspaceKey(long);
    expect(key).toHaveLength(WORKSPACE_KEY_MAX_LENGTH);
    expect(key.endsWith(`-${sha(long)}`)).toBe(true);
    expect(workspaceKey('A'.repeat(255))).toBe('A'.repeat(255));
  });

  it('property: keys are safe directory names and distinct identifiers get distinct keys', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), (a, b) => {
        const keyA = workspaceKey(a);
        expect(keyA).toMatch(SAFE_KEY);
        expect(keyA).not.toBe('.');
        expect(keyA).not.toBe('..');
        expect(keyA.startsWith('-')).toBe(false);
        expect(keyA.length).toBeLessThanOrEqual(WORKSPACE_KEY_MAX_LENGTH);
        if (a !== b) expect(workspaceKey(b)).not.toBe(keyA);
      }),
      { numRuns: 500 },
    );
  });

  it('property: near-collisions (same sanitized text) stay distinct', () => {
    const unsafe = fc.constantFrom('/', ':', ' ', '#', 'é', '\\');
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }).filter((s) => /^[A-Za-z0-9-]*$/.test(s)), unsafe, unsafe, (stem, x, y) => {
        fc.pre(x !== y);
        expect(workspaceKey(`${stem}${x}`)).not.toBe(workspaceKey(`${stem}${y}`));
      }),
    );
  });
});

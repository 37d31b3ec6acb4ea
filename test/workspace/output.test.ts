import { describe, expect, it } from 'vitest';
import { CappedOutput, firstLine, truncateForLog } from '../../src/workspace/output.js';

describe('hook output helpers', () => {
  it('CappedOutput keeps the first capBytes and marks the rest as truncated', () => {
    const out = new CappedOutput(5);
    out.push('abc');
    out.push(Buffer.from('defgh'));
    out.push('ij');
    expect(out.totalBytes).toBe(10);
    expect(out.text()).toBe('abcde… [truncated 5 bytes]');
    const small = new CappedOutput(5);
    small.push('abc');
    expect(small.text()).toBe('abc');
  });

  it('truncateForLog never splits a UTF-8 character', () => {
    expect(truncateForLog('short', 10)).toBe('short');
    expect(truncateForLog('ééé', 3)).toBe('é… [truncated 4 bytes]');
    expect(truncateForLog('x'.repeat(3000))).toBe(`${'x'.repeat(2048)}… [truncated 952 bytes]`);
  });

  it('firstLine returns the first non-blank line, trimmed', () => {
    expect(firstLine('\n  \n  fatal: no repo \nmore')).toBe('fatal: no repo');
    expect(firstLine('')).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { SafeListeners } from '../../src/scheduler/listeners.js';

describe('SafeListeners', () => {
  it('calls listeners in order, reports a throwing one, and keeps calling the rest', () => {
    const errors: unknown[] = [];
    const seen: string[] = [];
    const listeners = new SafeListeners<number>((error) => errors.push(error));
    listeners.add((n) => seen.push(`a${n}`));
    const off = listeners.add(() => {
      throw new Error('boom');
    });
    listeners.add((n) => seen.push(`c${n}`));
    listeners.emit(1);
    expect(seen).toEqual(['a1', 'c1']);
    expect(errors).toHaveLength(1);
    off();
    listeners.emit(2);
    expect(seen).toEqual(['a1', 'c1', 'a2', 'c2']);
    expect(errors).toHaveLength(1);
  });

  it('survives an error reporter that throws', () => {
    const listeners = new SafeListeners<number>(() => {
      throw new Error('reporter');
    });
    listeners.add(() => {
      throw new Error('listener');
    });
    expect(() => listeners.emit(1)).not.toThrow();
  });
});

import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { envRefName, expandPath, resolveEnvRef } from '../../src/config/resolve.js';

describe('resolveEnvRef (spec §6.1 step 4)', () => {
  const env = { TOKEN: 'secret-value', EMPTY: '' };

  it('§17.1 $VAR resolution works for whole-value $NAME and ${NAME}', () => {
    expect(resolveEnvRef('$TOKEN', env)).toEqual({ value: 'secret-value', envName: 'TOKEN' });
    expect(resolveEnvRef('${TOKEN}', env)).toEqual({ value: 'secret-value', envName: 'TOKEN' });
  });

  it('treats an unset or empty variable as missing (null)', () => {
    expect(resolveEnvRef('$NOT_SET_ANYWHERE', env)).toEqual({ value: null, envName: 'NOT_SET_ANYWHERE' });
    expect(resolveEnvRef('$EMPTY', env)).toEqual({ value: null, envName: 'EMPTY' });
  });

  it('leaves literals and partial references untouched', () => {
    for (const literal of ['plain', 'prefix-$TOKEN', '$TOKEN/suffix', ' $TOKEN', '$1ABC', '${TOKEN', '', 'https://x/$TOKEN']) {
      expect(resolveEnvRef(literal, env)).toEqual({ value: literal, envName: null });
    }
  });

  it('envRefName recognizes only whole-value references', () => {
    expect(envRefName('$A_1')).toBe('A_1');
    expect(envRefName('${_B}')).toBe('_B');
    expect(envRefName('a$B')).toBeNull();
    expect(envRefName(42)).toBeNull();
  });
});

describe('expandPath (spec §5.3.3, §6.1)', () => {
  const base = { baseDir: '/repo/conf', homeDir: '/home/op' };

  it('§17.1 ~ path expansion works for ~ and ~/...', () => {
    expect(expandPath('~', { ...base, env: {} })).toEqual({ ok: true, path: '/home/op', envName: null });
    expect(expandPath('~/ws/../work', { ...base, env: {} })).toEqual({ ok: true, path: '/home/op/work', envName: null });
  });

  it('uses env.HOME, then os.homedir(), when no homeDir is given', () => {
    expect(expandPath('~/x', { baseDir: '/b', env: { HOME: '/h' } })).toMatchObject({ path: '/h/x' });
    expect(expandPath('~/x', { baseDir: '/b', env: {} })).toMatchObject({ path: `${os.homedir()}/x` });
  });

  it('resolves relative paths against the workflow directory and normalizes', () => {
    expect(expandPath('ws', { ...base, env: {} })).toMatchObject({ path: '/repo/conf/ws' });
    expect(expandPath('../ws/./a/', { ...base, env: {} })).toMatchObject({ path: '/repo/ws/a' });
    expect(expandPath('/abs//x/../y', { ...base, env: {} })).toMatchObject({ path: '/abs/y' });
  });

  it('§17.1 $VAR resolution works for path values, then ~ and relative rules apply', () => {
    expect(expandPath('$WS', { ...base, env: { WS: '/data/ws' } })).toEqual({ ok: true, path: '/data/ws', envName: 'WS' });
    expect(expandPath('${WS}', { ...base, env: { WS: '~/ws' } })).toMatchObject({ path: '/home/op/ws' });
    expect(expandPath('$WS', { ...base, env: { WS: 'rel' } })).toMatchObject({ path: '/repo/conf/rel' });
  });

  it('does not expand ~user or a $VAR embedded in a longer value', () => {
    expect(expandPath('~other/x', { ...base, env: {} })).toMatchObject({ path: '/repo/conf/~other/x' });
    expect(expandPath('$WS/x', { ...base, env: { WS: '/data' } })).toMatchObject({ path: '/repo/conf/$WS/x' });
  });

  it('fails (without throwing) for an unset $VAR or a blank value', () => {
    expect(expandPath('$NOPE_NOT_SET', { ...base, env: {} })).toEqual({
      ok: false,
      reason: 'references $NOPE_NOT_SET, which is not set or is empty',
      envName: 'NOPE_NOT_SET',
    });
    expect(expandPath('  ', { ...base, env: {} })).toMatchObject({ ok: false, reason: 'is empty' });
  });
});

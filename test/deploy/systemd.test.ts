/**
 * `deploy/symphony.service`: `systemd-analyze verify` accepts it without a single warning (a copy
 * whose placeholder paths point at existing files), and its stop/restart/secret settings are the
 * ones the daemon's shutdown relies on.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { SHUTDOWN_DEADLINE_MS } from '../../src/cli/main.js';
import { REPO_ROOT } from '../support/codex.js';
import { NODE_BIN } from '../support/daemon.js';

const UNIT = path.join(REPO_ROOT, 'deploy', 'symphony.service');
const ENV_EXAMPLE = path.join(REPO_ROOT, 'deploy', 'symphony.env.example');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Absolute path of `systemd-analyze`; throws a clear error when it is not installed. */
function systemdAnalyze(): string {
  try {
    return execFileSync('bash', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('systemd-analyze is not installed: install the `systemd` package (apt-get install systemd; .ci/run does this)');
  }
}

/** `[Section]` → key → values (a key may repeat), comments and blank lines skipped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1] ?? '', current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) throw new Error(`unparseable unit line: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

function value(unit: Map<string, Map<string, string[]>>, section: string, key: string): string | undefined {
  return unit.get(section)?.get(key)?.at(-1);
}

describe('systemd unit deploy/symphony.service', () => {
  it('passes systemd-analyze verify without warnings (placeholder paths pointed at existing files)', async () => {
    const analyze = systemdAnalyze();
    const dir = await mkdtemp(path.join(tmpdir(), 'symphony-systemd-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const srv = path.join(dir, 'srv');
    await mkdir(srv);
    await writeFile(path.join(srv, 'WORKFLOW.md'), '---\ntracker:\n  kind: linear\n  provider:\n    project_slug: placeholder\n---\nPrompt.\n');
    const envFile = path.join(dir, 'symphony.env');
    await writeFile(envFile, await readFile(ENV_EXAMPLE, 'utf8'));
    const original = await readFile(UNIT, 'utf8');
    const adapted = original
      .replaceAll('/usr/bin/node', NODE_BIN)
      .replaceAll('/opt/symphony', REPO_ROOT)
      .replaceAll('/srv/symphony', srv)
      .replaceAll('/etc/symphony/symphony.env', envFile)
      .replaceAll('/var/log/symphony', path.join(dir, 'logs'));
    expect(adapted).not.toBe(original);
    const copy = path.join(dir, 'symphony.service');
    await writeFile(copy, adapted);
    const result = await execa(analyze, ['verify', copy], { reject: false, all: true, cwd: dir });
    expect({ exitCode: result.exitCode, output: result.all }).toEqual({ exitCode: 0, output: '' });

    // The checker is not toothless: a misspelt directive or value is reported.
    const broken = path.join(dir, 'broken.service');
    await writeFile(broken, adapted.replace(/^KillMode=mixed$/m, 'KillMode=mixd'));
    const bad = await execa(analyze, ['verify', broken], { reject: false, all: true, cwd: dir });
    expect(bad.all).toContain('mixd');
  });

  it('stops the daemon first (KillMode=mixed, SIGTERM) with a stop timeout above the graceful shutdown, restarts on failure, reads secrets from an EnvironmentFile', async () => {
    const unit = parseUnit(await readFile(UNIT, 'utf8'));
    const service = (key: string): string | undefined => value(unit, 'Service', key);
    expect(service('Type')).toBe('exec');
    expect(service('ExecStart')).toBe('/usr/bin/node /opt/symphony/bin/symphony.js /srv/symphony/WORKFLOW.md --logs-root /var/log/symphony --journal /var/lib/symphony/journal.db');
    // The journal lives in the state directory systemd creates for the user.
    expect(service('StateDirectory')).toBe('symphony');
    expect(service('KillMode')).toBe('mixed');
    expect(service('KillSignal')).toBe('SIGTERM');
    expect(service('SendSIGKILL')).toBe('yes');
    expect(Number(service('TimeoutStopSec')) * 1000).toBeGreaterThan(SHUTDOWN_DEADLINE_MS);
    expect(service('Restart')).toBe('on-failure');
    expect(Number(service('RestartSec'))).toBeGreaterThan(0);
    expect(value(unit, 'Unit', 'StartLimitIntervalSec')).toBeDefined();
    expect(value(unit, 'Unit', 'StartLimitBurst')).toBeDefined();
    expect(service('EnvironmentFile')).toBe('/etc/symphony/symphony.env');
    expect(unit.get('Service')?.get('Environment')?.join(' ') ?? '').not.toMatch(/KEY|TOKEN|SECRET/i);
    expect(service('User')).toBeDefined();
    expect(service('Group')).toBeDefined();
    expect(service('WorkingDirectory')).toBe('/srv/symphony');
    expect(service('SyslogIdentifier')).toBe('symphony');
    expect(service('NoNewPrivileges')).toBe('yes');
    // A private /tmp would be wiped on every stop: workspaces under the default root would be lost.
    expect(service('PrivateTmp') ?? 'no').toBe('no');
    expect(value(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it('symphony.env.example holds KEY=value lines only, with no real secret', async () => {
    const lines = (await readFile(ENV_EXAMPLE, 'utf8')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^[A-Z_][A-Z0-9_]*=\S*replace_me\S*$/);
  });
});

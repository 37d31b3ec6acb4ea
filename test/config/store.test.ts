import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowStore, diffSections, type WorkflowStoreEvents, type WorkflowStoreOptions } from '../../src/config/store.js';
import { checkPromptTemplate } from '../../src/prompt/check.js';
import { captureLogger, type LogRecord } from '../support/log-capture.js';
import { ManualClock, type ManualTimer } from '../support/manual-clock.js';
import { Pulse } from '../support/wait.js';
import { MINIMAL_FRONT_MATTER, TempDirs, stubProfiles, workflowText } from './support.js';

const dirs = new TempDirs();
const stores: WorkflowStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await dirs.cleanup();
});

const GOOD = workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 1000`, 'First prompt');

async function setup(text = GOOD, options: Partial<WorkflowStoreOptions> = {}): Promise<{ file: string; store: WorkflowStore }> {
  const dir = await dirs.make('symphony-store-');
  const file = path.join(dir, 'WORKFLOW.md');
  await writeFile(file, text);
  const store = await WorkflowStore.open(file, { env: {}, profiles: stubProfiles, debounceMs: 10, ...options });
  stores.push(store);
  return { file, store };
}

/** Resolves with the payload of the next `event`. */
function next<E extends keyof WorkflowStoreEvents>(store: WorkflowStore, event: E): Promise<WorkflowStoreEvents[E]> {
  return new Promise((resolve) => {
    const off = store.on(event, (payload) => {
      off();
      resolve(payload);
    });
  });
}

/** Records every event of a store, in order. */
function record(store: WorkflowStore): string[] {
  const events: string[] = [];
  store.on('reloaded', (e) => events.push(`reloaded:${e.trigger}:${e.changedSections.join(',')}`));
  store.on('rejected', (e) => events.push(`rejected:${e.trigger}:${e.error.code}`));
  return events;
}

describe('WorkflowStore (spec §6.2)', () => {
  it('§17.1 workflow file changes are detected and trigger re-read/re-apply without restart', async () => {
    const { file, store } = await setup();
    expect(store.current().config.pollIntervalMs).toBe(1000);
    const reloaded = next(store, 'reloaded');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 2000\nagent:\n  max_turns: 3`, 'First prompt'));
    const event = await reloaded;
    expect(event.trigger).toBe('watch');
    expect(event.changedSections).toEqual(['polling', 'agent']);
    expect(event.previous.config.pollIntervalMs).toBe(1000);
    expect(store.current().config.pollIntervalMs).toBe(2000);
    expect(store.current().config.agent.maxTurns).toBe(3);
    expect(store.isValid()).toBe(true);
  });

  it('§17.1 workflow changes saved by atomic rename (temp file + rename) are detected', async () => {
    const { file, store } = await setup();
    const reloaded = next(store, 'reloaded');
    const temp = `${file}.tmp-save`;
    await writeFile(temp, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 1000`, 'Second prompt'));
    await rename(temp, file);
    const event = await reloaded;
    expect(event.changedSections).toEqual(['prompt']);
    expect(store.current().promptTemplate).toBe('Second prompt');
  });

  it('§17.1 invalid workflow reload keeps last known good effective configuration and emits an operator-visible error', async () => {
    const { file, store } = await setup();
    const rejected = next(store, 'rejected');
    await writeFile(file, '---\npolling:\n  interval_ms: [1,\n---\nBroken');
    const event = await rejected;
    expect(event.error.code).toBe('workflow_parse_error');
    expect(event.line).toMatch(new RegExp(`^workflow_parse_error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML front matter: `));
    expect(event.line).not.toContain('\n');
    expect(store.current().config.pollIntervalMs).toBe(1000);
    expect(store.current().promptTemplate).toBe('First prompt');
    expect(store.isValid()).toBe(false);
    expect(store.lastError).toBe(event.error);

    const reloaded = next(store, 'reloaded');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 3000`, 'First prompt'));
    expect((await reloaded).changedSections).toEqual(['polling']);
    expect(store.isValid()).toBe(true);
    expect(store.lastError).toBeNull();
  });

  it('rejects a typed-config error on reload with the file and key in one line', async () => {
    const { file, store } = await setup();
    const rejected = next(store, 'rejected');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: fast`));
    expect((await rejected).line).toBe(`invalid_config: ${file}: polling.interval_ms must be a positive integer (got "fast")`);
    expect(store.current().config.pollIntervalMs).toBe(1000);
  });

  it('a deleted workflow file is rejected as missing, and its return is re-applied', async () => {
    const { file, store } = await setup();
    const rejected = next(store, 'rejected');
    await rm(file);
    const event = await rejected;
    expect(event.line).toBe(`missing_workflow_file: Workflow file not found: ${file}`);
    expect(store.current().config.pollIntervalMs).toBe(1000);

    const reloaded = next(store, 'reloaded');
    await writeFile(file, GOOD);
    expect((await reloaded).changedSections).toEqual([]);
    expect(store.isValid()).toBe(true);
  });

  it('a throwing listener does not break the store (logged and ignored)', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { file, store } = await setup(GOOD, { logger: pino({ level: 'info' }, sink) });
    store.on('reloaded', () => {
      throw new Error('listener bug');
    });
    const reloaded = next(store, 'reloaded');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 4000`));
    await reloaded;
    expect(store.current().config.pollIntervalMs).toBe(4000);
    expect(lines.some((line) => line.includes('workflow store listener threw') && line.includes('listener bug'))).toBe(true);
    expect(lines.some((line) => line.includes('workflow reloaded'))).toBe(true);
  });

  it('§6.3 startup validation failure: open() throws the typed error', async () => {
    const dir = await dirs.make('symphony-store-');
    const file = path.join(dir, 'WORKFLOW.md');
    await expect(WorkflowStore.open(file, { env: {}, profiles: stubProfiles })).rejects.toMatchObject({ code: 'missing_workflow_file' });
    await writeFile(file, workflowText('tracker:\n  kind: nope'));
    await expect(WorkflowStore.open(file, { env: {}, profiles: stubProfiles })).rejects.toMatchObject({ code: 'unsupported_tracker_kind' });
  });
});

describe('WorkflowStore.refresh (spec §6.2 defensive re-validation, §6.3 per-tick validation)', () => {
  it('refresh() detects an edit made while no watch event arrived and reports invalid state', async () => {
    const { file, store } = await setup(GOOD, { watch: false });
    const events = record(store);
    expect(await store.refresh()).toEqual({ ok: true });

    await writeFile(file, workflowText('tracker:\n  kind: stub\n  provider:\n    api_key: $UNSET_TOKEN'));
    const failed = await store.refresh();
    expect(failed.ok).toBe(false);
    expect(failed.ok ? null : failed.error.code).toBe('missing_tracker_secret');
    expect(store.isValid()).toBe(false);
    expect(store.current().config.pollIntervalMs).toBe(1000);

    expect(await store.refresh()).toEqual({ ok: false, error: store.lastError });
    expect(events).toEqual(['rejected:refresh:missing_tracker_secret']);

    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 5000`, 'First prompt'));
    expect(await store.refresh()).toEqual({ ok: true });
    expect(store.current().config.pollIntervalMs).toBe(5000);
    expect(events).toEqual(['rejected:refresh:missing_tracker_secret', 'reloaded:refresh:polling']);
  });

  it('refresh() after close() still re-validates edits (watcher stopped)', async () => {
    const { file, store } = await setup();
    await store.close();
    const events = record(store);
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 1000\nhooks:\n  timeout_ms: 5`, 'First prompt'));
    expect(await store.refresh()).toEqual({ ok: true });
    expect(store.current().config.hooks.timeoutMs).toBe(5);
    expect(events).toEqual(['reloaded:refresh:hooks']);
  });

  it('rewriting identical content re-applies nothing', async () => {
    const { file, store } = await setup(GOOD, { watch: false });
    const events = record(store);
    const before = store.current();
    await writeFile(file, GOOD);
    expect(await store.refresh()).toEqual({ ok: true });
    expect(store.current()).toBe(before);
    expect(events).toEqual([]);
  });

  it('reports a deleted file as invalid once, then recovers', async () => {
    const { file, store } = await setup(GOOD, { watch: false });
    const events = record(store);
    await rm(file);
    expect(await store.refresh()).toMatchObject({ ok: false, error: { code: 'missing_workflow_file' } });
    expect(await store.refresh()).toMatchObject({ ok: false });
    await writeFile(file, GOOD);
    expect(await store.refresh()).toEqual({ ok: true });
    expect(events).toEqual(['rejected:refresh:missing_workflow_file', 'reloaded:refresh:']);
  });

  it('concurrent refresh() calls are serialized and agree', async () => {
    const { file, store } = await setup(GOOD, { watch: false });
    const events = record(store);
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 1000\nserver:\n  port: 0`, 'First prompt'));
    const results = await Promise.all([store.refresh(), store.refresh(), store.refresh()]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(events).toEqual(['reloaded:refresh:server']);
  });
});

describe('WorkflowStore reload debounce (clock-driven)', () => {
  /** A store on a manual clock with a 200 ms debounce, and a pulse woken by every timer change. */
  async function clocked(): Promise<{ file: string; store: WorkflowStore; clock: ManualClock; pulse: Pulse }> {
    const clock = new ManualClock();
    const pulse = new Pulse();
    clock.onChange(pulse.notify);
    const { file, store } = await setup(GOOD, { clock, debounceMs: 200 });
    return { file, store, clock, pulse };
  }
  const debounceTimer = (clock: ManualClock, afterId = 0): ManualTimer | undefined =>
    clock.pending().find((timer) => timer.id > afterId && timer.delayMs === 200);

  it('re-reads only after debounceMs of quiet clock time, restarting the wait on every event', async () => {
    const { file, store, clock, pulse } = await clocked();
    const events = record(store);
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 2000`, 'First prompt'));
    const first = await pulse.waitFor(() => debounceTimer(clock), 'the debounce timer');
    clock.advance(199);
    expect(clock.pending()).toContainEqual(first);
    expect(store.current().config.pollIntervalMs).toBe(1000);

    // A second event inside the window re-arms the timer: the first never fires.
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 3000`, 'First prompt'));
    const second = await pulse.waitFor(() => debounceTimer(clock, first.id), 'the re-armed debounce timer');
    expect(clock.pending()).not.toContainEqual(first);
    expect(second.dueAtMs).toBe(clock.now() + 200);
    clock.advance(199);
    expect(events).toEqual([]);
    expect(store.current().config.pollIntervalMs).toBe(1000);

    const reloaded = next(store, 'reloaded');
    clock.advance(1);
    expect((await reloaded).trigger).toBe('watch');
    expect(store.current().config.pollIntervalMs).toBe(3000);
    expect(events).toEqual(['reloaded:watch:polling']);
  });

  it('close() cancels a pending debounce: nothing is re-read afterwards', async () => {
    const { file, store, clock, pulse } = await clocked();
    const events = record(store);
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 2000`, 'First prompt'));
    await pulse.waitFor(() => debounceTimer(clock), 'the debounce timer');
    await store.close();
    expect(clock.pending()).toEqual([]);
    clock.advance(10_000);
    expect(events).toEqual([]);
    expect(store.current().config.pollIntervalMs).toBe(1000);
  });
});

describe('WorkflowStore: prompt template and unknown keys on reload (issue 8 items 2, 3)', () => {
  /** A store whose loads check the template as the daemon's do, logging to `records`. */
  async function promptChecked(): Promise<{ file: string; store: WorkflowStore; records: LogRecord[]; pulse: Pulse }> {
    const records: LogRecord[] = [];
    const pulse = new Pulse();
    const { file, store } = await setup(GOOD, { validatePrompt: checkPromptTemplate, logger: captureLogger(records, pulse.notify) });
    return { file, store, records, pulse };
  }

  it('a template that does not render is a rejected reload: the last good prompt stays, with the WORKFLOW.md line', async () => {
    const { file, store } = await promptChecked();
    const rejected = next(store, 'rejected');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 2000`, 'Second prompt\n{{ issue.nope }}'));
    const event = await rejected;
    // Fences on lines 1 and 8, a blank line, the body from line 10.
    expect(event.line).toBe(`template_render_error: ${file}:11: prompt template: undefined variable issue.nope`);
    expect(store.current().promptTemplate).toBe('First prompt');
    expect(store.current().config.pollIntervalMs).toBe(1000);
    expect(store.isValid()).toBe(false);

    const reloaded = next(store, 'reloaded');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  interval_ms: 2000`, 'Second prompt {{ issue.title }}'));
    expect((await reloaded).changedSections).toEqual(['polling', 'prompt']);
    expect(store.current().promptTemplate).toBe('Second prompt {{ issue.title }}');
    expect(store.isValid()).toBe(true);
  });

  it('a template that does not parse (unclosed {% if %}) is a rejected reload too', async () => {
    const { file, store } = await promptChecked();
    const rejected = next(store, 'rejected');
    await writeFile(file, workflowText(MINIMAL_FRONT_MATTER, 'Hello\n{% if attempt %}retry'));
    expect((await rejected).line).toBe(`template_parse_error: ${file}:9: prompt template: tag {% if attempt %} not closed`);
    expect(store.current().promptTemplate).toBe('First prompt');
  });

  it('open() fails on a template error (startup validation)', async () => {
    const dir = await dirs.make('symphony-store-');
    const file = path.join(dir, 'WORKFLOW.md');
    await writeFile(file, workflowText(MINIMAL_FRONT_MATTER, '{{ issue.nope }}'));
    await expect(WorkflowStore.open(file, { env: {}, profiles: stubProfiles, watch: false, validatePrompt: checkPromptTemplate })).rejects.toMatchObject({
      code: 'template_render_error',
      message: `${file}:8: prompt template: undefined variable issue.nope`,
    });
  });

  it('unknown keys are logged once per load, at startup and on reload, naming the file and key', async () => {
    const dir = await dirs.make('symphony-store-');
    const file = path.join(dir, 'WORKFLOW.md');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  intervl_ms: 2000`));
    const records: LogRecord[] = [];
    const pulse = new Pulse();
    const store = await WorkflowStore.open(file, { env: {}, profiles: stubProfiles, debounceMs: 10, logger: captureLogger(records, pulse.notify) });
    stores.push(store);
    const typo = `${file}: polling.intervl_ms is not a known key and is ignored (did you mean polling.interval_ms?)`;
    expect(records.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual([typo]);
    const reloaded = next(store, 'reloaded');
    await writeFile(file, workflowText(`${MINIMAL_FRONT_MATTER}\npolling:\n  intervl_ms: 2000\ncodx:\n  command: x`));
    await reloaded;
    expect(records.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual([typo, typo, `${file}: codx is not a known key and is ignored (did you mean codex?)`]);
    expect(records.find((r) => r.msg === typo)).toMatchObject({ workflow_path: file });
  });
});

describe('diffSections', () => {
  it('names the sections whose effective values differ', async () => {
    const { store } = await setup(GOOD, { watch: false });
    const a = store.current();
    const b = { ...a, promptTemplate: 'x', config: { ...a.config, codex: { ...a.config.codex, command: 'other' } } };
    expect(diffSections(a, b)).toEqual(['codex', 'prompt']);
    expect(diffSections(a, a)).toEqual([]);
  });
});

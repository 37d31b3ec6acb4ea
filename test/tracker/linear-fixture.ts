/**
 * Test fixture: a fake Linear server plus a Linear adapter pointed at it, a fake clock and a
 * capturing logger.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/logging/logger.js';
import { linearTrackerProfile } from '../../src/tracker/linear/profile.js';
import type { LinearSettings } from '../../src/tracker/linear/settings.js';
import type { TrackerAdapter } from '../../src/tracker/tracker.js';
import { startFakeLinear, type FakeLinear, type FakeLinearOptions } from '../support/fake-linear/index.js';

/** The API key every fixture uses; tests assert it never leaks. */
export const TEST_API_KEY = 'lin_api_TESTSECRET_0123456789';

/** Fixed epoch ms the fake clock starts at (a whole second, so HTTP dates are exact). */
export const CLOCK_START = Date.parse('2025-01-01T00:00:00.000Z');

/** A pino logger whose JSON lines land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const line = chunk.toString('utf8');
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, text: () => raw.join('') };
}

/** A running fixture. */
export interface LinearFixture {
  readonly linear: FakeLinear;
  readonly adapter: TrackerAdapter;
  readonly settings: LinearSettings;
  /** Mutable fake clock (epoch ms) behind `AdapterDeps.now`. */
  readonly clock: { now: number };
  readonly logs: Record<string, unknown>[];
  /** Every log line as written. */
  readonly logText: () => string;
  /** Recorded requests with this operation name. */
  readonly requestsFor: (operationName: string) => number;
  readonly close: () => Promise<void>;
}

/** Options for {@link startLinearFixture}. */
export interface LinearFixtureOptions {
  /** Extra / overriding provider keys (merged over api_key, project_slug, endpoint). */
  readonly provider?: Readonly<Record<string, unknown>>;
  readonly fake?: Partial<FakeLinearOptions>;
  readonly terminalStates?: readonly string[];
}

/** Starts a fake Linear and an adapter configured through the real profile. */
export async function startLinearFixture(options: LinearFixtureOptions = {}): Promise<LinearFixture> {
  const linear = await startFakeLinear({ apiKey: TEST_API_KEY, projectSlug: 'proj', ...options.fake });
  const validation = linearTrackerProfile.validate(
    { api_key: '$FIXTURE_LINEAR_KEY', project_slug: 'proj', endpoint: linear.url, ...options.provider },
    { FIXTURE_LINEAR_KEY: TEST_API_KEY },
  );
  if (!validation.settings) {
    await linear.close();
    throw new Error(`fixture settings invalid: ${validation.errors.map((e) => e.message).join('; ')}`);
  }
  const clock = { now: CLOCK_START };
  const { logger, lines, text } = capturingLogger();
  const adapter = linearTrackerProfile.create(
    validation.settings,
    { activeStates: ['Todo', 'In Progress'], terminalStates: options.terminalStates ?? linearTrackerProfile.defaultTerminalStates },
    { logger, now: () => clock.now },
  );
  return {
    linear,
    adapter,
    settings: validation.settings,
    clock,
    logs: lines,
    logText: text,
    requestsFor: (operationName) => linear.requests.filter((r) => r.operationName === operationName).length,
    close: () => linear.close(),
  };
}

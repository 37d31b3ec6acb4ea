/**
 * Review: SPEC.md §5 says every `*_ms` value must be at most 2147483647 (the largest delay Node
 * timers honour). `tracker.provider.request_timeout_ms` accepts any safe integer; the transport
 * then arms `setTimeout(abort, 2147483648)`, which Node clamps to 1 ms (TimeoutOverflowWarning),
 * so every Linear request "times out" at once.
 */
import { describe, expect, it } from 'vitest';
import { validateLinearProvider } from '../../src/tracker/linear/settings.js';

describe('review: linear request_timeout_ms is bounded like every other *_ms key', () => {
  it('request_timeout_ms above 2147483647 is invalid_tracker_config naming the key', () => {
    const validation = validateLinearProvider({ api_key: 'k', project_slug: 'p', request_timeout_ms: 2_147_483_648 }, {});
    expect(validation.settings).toBeUndefined();
    expect(validation.errors).toEqual([
      expect.objectContaining({ code: 'invalid_tracker_config', message: expect.stringContaining('tracker.provider.request_timeout_ms') }),
    ]);
  });

  it('2147483647 itself is accepted', () => {
    const validation = validateLinearProvider({ api_key: 'k', project_slug: 'p', request_timeout_ms: 2_147_483_647 }, {});
    expect(validation.settings?.requestTimeoutMs).toBe(2_147_483_647);
  });
});

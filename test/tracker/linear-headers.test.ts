/**
 * The Linear transport builds its own headers instead of loading `@linear/sdk` at run time
 * (issue 7 item 4: the SDK's bundle was ~195 ms of every start). This holds the authentication
 * scheme equal to the SDK's: the personal key raw as `Authorization`, no `Bearer`.
 */
import { LinearClient } from '@linear/sdk';
import { describe, expect, it } from 'vitest';
import { SecretString } from '../../src/tracker/linear/secret.js';
import { linearHeaders } from '../../src/tracker/linear/transport.js';
import { packageVersion } from '../../src/version.js';

describe('linearHeaders', () => {
  const key = 'lin_api_0123456789abcdef';

  it('sends the personal key exactly as @linear/sdk does', () => {
    const sdk = new LinearClient({ apiKey: key, apiUrl: 'http://127.0.0.1:9/graphql' });
    const ours = linearHeaders(new SecretString(key));
    expect(ours.Authorization).toBe(new Headers(sdk.options.headers).get('authorization'));
    expect(ours.Authorization).toBe(key);
    expect(ours['Content-Type']).toBe('application/json');
  });

  it('names this daemon and its version as the user agent', () => {
    expect(linearHeaders(new SecretString(key))['User-Agent']).toBe(`symphony-ts/${packageVersion()}`);
  });
});

/**
 * The dashboard's only way to the daemon: the JSON API and its event stream (spec §13.7.2).
 * When the page was opened with `?access_token=…` the token is passed on to every request and
 * link, because a browser cannot add an Authorization header to a navigation or an EventSource.
 */

const token = new URL(window.location.href).searchParams.get('access_token');

/** `path` with the page's access token appended when there is one. */
export function withToken(path) {
  if (!token) return path;
  const url = new URL(path, window.location.origin);
  url.searchParams.set('access_token', token);
  return url.origin === window.location.origin ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

/** The API path of an issue: `/api/v1/<identifier>` plus `suffix`. */
export function issueApiPath(identifier, suffix = '') {
  return `/api/v1/${encodeURIComponent(identifier)}${suffix}`;
}

/** The dashboard page of an issue, with the token. */
export function issuePageHref(identifier) {
  return withToken(`/issues/${encodeURIComponent(identifier)}`);
}

/**
 * Fetches JSON; resolves `{ status, ok, body }` (body null when not JSON) and never rejects:
 * a network failure is `{ status: 0, ok: false, body: { error: { code: 'network', message } } }`.
 */
export async function request(method, path, body) {
  try {
    const init = { method, headers: { accept: 'application/json' }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(withToken(path), init);
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
    return { status: response.status, ok: response.ok, body: parsed };
  } catch (error) {
    return { status: 0, ok: false, body: { error: { code: 'network', message: String(error?.message ?? error) } } };
  }
}

/** The `{error:{code,message}}` envelope of a failed response in one line. */
export function errorText(result) {
  const error = result.body?.error;
  if (error && typeof error.message === 'string') return `${error.message} (${error.code ?? result.status})`;
  return result.status === 0 ? 'daemon unreachable' : `HTTP ${result.status}`;
}

/**
 * Runs `task` on demand, never two at once and at most once per `minGapMs` (default 250 ms, so
 * ~4 runs a second at most); calls arriving meanwhile collapse into one more run.
 */
export function coalesced(task, minGapMs = 250) {
  let running = false;
  let pending = false;
  let lastStart = 0;
  const run = async () => {
    running = true;
    pending = false;
    const wait = lastStart + minGapMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    lastStart = Date.now();
    try {
      await task();
    } catch (error) {
      console.warn('dashboard update failed', error);
    }
    running = false;
    if (pending) void run();
  };
  return () => {
    if (running) pending = true;
    else void run();
  };
}

/**
 * The data the server put into the page (`<script type="application/json" id="initial-state">`:
 * the state for `/`, the issue's details for an issue page), so the first paint needs no request;
 * null when the page carries none (the server could not read the state) or it does not parse.
 */
export function initialState() {
  const text = document.getElementById('initial-state')?.textContent ?? '';
  if (text.trim() === '') return null;
  try {
    const data = JSON.parse(text);
    return data !== null && typeof data === 'object' ? data : null;
  } catch {
    return null;
  }
}

/** Status event types streamed by `GET /api/v1/events` (plus the initial `snapshot`). */
export const EVENT_TYPES = [
  'snapshot',
  'dispatch',
  'agent_event',
  'retry_scheduled',
  'run_ended',
  'operator_waiting',
  'operator_answered',
  'blocked',
  'released',
  'config_reloaded',
  'config_rejected',
];

/**
 * Follows `/api/v1/events`. `onEvent(type, data)` gets every event (data parsed, or null);
 * `onConnection('live' | 'reconnecting')` follows the stream. EventSource reconnects by itself;
 * when it gives up (a closed stream, e.g. 401), a new one is opened after `retryMs`.
 */
export function followEvents({ onEvent, onConnection, retryMs = 3000 }) {
  let source = null;
  const open = () => {
    source = new EventSource(withToken('/api/v1/events'));
    source.addEventListener('open', () => onConnection('live'));
    source.addEventListener('error', () => {
      onConnection('reconnecting');
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        setTimeout(open, retryMs);
      }
    });
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        let data = null;
        try {
          data = JSON.parse(message.data);
        } catch {
          data = null;
        }
        onEvent(type, data);
      });
    }
  };
  open();
  window.addEventListener('pagehide', () => source?.close());
}

/**
 * The daemon's clock as seen from here: `now()` is `Date.now()` corrected by the offset of the
 * last `generated_at` received, so countdowns do not drift with a skewed browser clock.
 */
export function serverClock() {
  let offsetMs = 0;
  return {
    sync(generatedAt) {
      const ms = Date.parse(generatedAt);
      if (Number.isFinite(ms)) offsetMs = ms - Date.now();
    },
    now: () => Date.now() + offsetMs,
  };
}

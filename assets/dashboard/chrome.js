/**
 * The page frame shared by both pages: icon, home link, the live/reconnecting indicator and the
 * "refresh now" button (`POST /api/v1/refresh`).
 */
import { byTestId } from './dom.js';
import { errorText, request, withToken } from './api.js';
import { formatClock } from './format.js';

/** Shows the event stream's state (`live`, `reconnecting`, `connecting`) in the indicator. */
export function showConnection(state) {
  const indicator = byTestId('connection');
  if (!indicator) return;
  indicator.dataset.state = state;
  indicator.textContent = state;
  indicator.title = state === 'live' ? 'Following the daemon live' : 'Event stream interrupted; reconnecting';
}

/** Wires the frame; `onRefreshed` runs after the daemon accepted a refresh request. */
export function installChrome(onRefreshed) {
  const icon = document.createElement('link');
  icon.rel = 'icon';
  icon.type = 'image/svg+xml';
  icon.href = withToken('/assets/favicon.svg');
  document.head.appendChild(icon);

  for (const link of document.querySelectorAll('a[data-home]')) link.href = withToken('/');

  const button = byTestId('refresh');
  const result = byTestId('refresh-result');
  button?.addEventListener('click', async () => {
    button.disabled = true;
    const response = await request('POST', '/api/v1/refresh', {});
    button.disabled = false;
    if (!result) return;
    if (response.ok) {
      result.className = 'refresh-result ok';
      result.textContent = `${response.body?.coalesced ? 'already queued' : 'queued'} at ${formatClock(response.body?.requested_at ?? new Date().toISOString())}`;
      onRefreshed();
    } else {
      result.className = 'refresh-result bad';
      result.textContent = `refresh failed: ${errorText(response)}`;
    }
  });
}

/**
 * Tiny DOM builder. Text always goes in through text nodes and attributes through setAttribute,
 * so data from the API is never parsed as HTML.
 */

/**
 * Creates `<tag>` with attributes and children. Attribute values `null`/`undefined`/`false` are
 * skipped, `true` sets an empty attribute; `on<event>` keys take listeners; children may be nodes,
 * strings, numbers, null (skipped) or nested arrays.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = String(value);
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces the children of the element with `data-testid=<id>` (or of `element`). */
export function fill(target, ...children) {
  const element = typeof target === 'string' ? byTestId(target) : target;
  if (!element) return;
  element.replaceChildren();
  append(element, children);
}

/** The element with `data-testid=<id>`, or null. */
export function byTestId(id) {
  return document.querySelector(`[data-testid="${CSS.escape(id)}"]`);
}

/** `url` when it is an absolute http(s) URL (a tracker link), else null: never a `javascript:` link. */
export function safeExternalUrl(url) {
  if (typeof url !== 'string') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A table with a header row, or a muted line saying `empty` when there are no rows. */
export function table(testId, headers, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': `${testId}-empty` }, empty);
  return h(
    'table',
    { 'data-testid': testId },
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, rows),
  );
}

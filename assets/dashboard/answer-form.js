/**
 * The operator's answer form for one waiting request (issue 3 item 3): a button per allowed
 * decision for an approval; for user input, each question with its options as radio buttons and a
 * free-text field when the question takes other text (masked when secret). Posts
 * `POST /api/v1/<identifier>/answer` and shows the outcome.
 *
 * Forms are kept per request (issue, method, since), so re-rendering the page on every event
 * never wipes what the operator is typing.
 */
import { h } from './dom.js';
import { errorText, issueApiPath, request } from './api.js';

const DECISION_LABELS = {
  accept: ['Accept', 'Run it this time'],
  acceptForSession: ['Accept for session', 'Run it, and similar requests for the rest of this session'],
  decline: ['Decline', 'Refuse; the agent goes on without it'],
  cancel: ['Cancel', 'Refuse and interrupt the turn'],
};

function outcomeText(result, what) {
  if (result.ok) return { ok: true, text: `Answered (${what}).` };
  if (result.status === 409) return { ok: false, text: 'Nothing is waiting any more: already answered or timed out (409).' };
  if (result.status === 404) return { ok: false, text: 'This issue is not running any more (404).' };
  return { ok: false, text: `Not delivered: ${errorText(result)}` };
}

function buildForm(row, onAnswered) {
  const id = row.issue_identifier;
  const result = h('p', { class: 'result', role: 'status', 'data-testid': `answer-result-${id}` });
  const form = h('form', { class: 'answer', 'data-testid': `answer-form-${id}`, novalidate: true });
  const setBusy = (busy) => {
    for (const control of form.querySelectorAll('button, input')) control.disabled = busy;
  };
  const send = async (body, what) => {
    setBusy(true);
    result.className = 'result pending';
    result.textContent = 'Sending…';
    const outcome = outcomeText(await request('POST', issueApiPath(id, '/answer'), body), what);
    result.className = outcome.ok ? 'result ok' : 'result bad';
    result.textContent = outcome.text;
    setBusy(false);
    if (outcome.ok) onAnswered(id, what);
  };
  form.addEventListener('submit', (event) => event.preventDefault());

  if (row.kind === 'approval') {
    const buttons = row.decisions.map((decision) => {
      const [label, title] = DECISION_LABELS[decision] ?? [decision, decision];
      return h(
        'button',
        { type: 'button', class: `decision decision-${decision}`, title, 'data-testid': `answer-${id}-${decision}`, onclick: () => void send({ decision }, decision) },
        label,
      );
    });
    form.append(h('div', { class: 'decisions' }, buttons), result);
    return form;
  }

  const readers = row.questions.map((question) => questionFields(form, id, question));
  const submit = h('button', { type: 'submit', class: 'decision', 'data-testid': `answer-${id}-submit` }, 'Send answers');
  form.append(...readers.map((reader) => reader.fieldset), h('div', { class: 'decisions' }, submit), result);
  form.addEventListener('submit', () => {
    const answers = {};
    const missing = [];
    for (const reader of readers) {
      const value = reader.value();
      if (value === null) missing.push(reader.label);
      else answers[reader.questionId] = [value];
    }
    if (missing.length > 0) {
      result.className = 'result bad';
      result.textContent = `Answer ${missing.join(', ')} first.`;
      return;
    }
    const count = readers.length;
    void send({ answers }, `answers to ${count} question${count === 1 ? '' : 's'}`);
  });
  return form;
}

function questionFields(form, id, question) {
  const name = `answer-${id}-${question.id}`;
  const options = question.options.map((option) =>
    h(
      'label',
      { class: 'option' },
      h('input', { type: 'radio', name, value: option.label, 'data-testid': `${name}-option` }),
      h('span', { class: 'option-label' }, option.label),
      option.description ? h('span', { class: 'muted' }, ` ${option.description}`) : null,
    ),
  );
  const takesText = question.is_other || question.options.length === 0;
  const text = takesText
    ? h('input', {
        type: question.is_secret ? 'password' : 'text',
        name: `${name}-text`,
        autocomplete: 'off',
        placeholder: question.options.length === 0 ? 'Your answer' : 'Other answer',
        'data-testid': `${name}-text`,
      })
    : null;
  const label = question.header || question.id;
  const fieldset = h(
    'fieldset',
    { 'data-testid': `${name}-question` },
    h('legend', {}, label),
    h('p', { class: 'question' }, question.question),
    options,
    text ? h('label', { class: 'option other' }, text) : null,
  );
  return {
    fieldset,
    label,
    questionId: question.id,
    value: () => {
      const typed = text?.value.trim() ?? '';
      if (typed !== '') return typed;
      const checked = [...form.querySelectorAll('input[type="radio"]')].find((input) => input.name === name && input.checked);
      return checked ? checked.value : null;
    },
  };
}

/**
 * A cache of answer forms: `formFor(row)` returns the live form of that request (built once);
 * `keep(rows)` forgets forms of requests no longer waiting. `onAnswered(identifier, what)` runs
 * after a successful answer.
 */
export function answerForms(onAnswered) {
  const forms = new Map();
  const keyOf = (row) => `${row.issue_identifier}\u0000${row.method}\u0000${row.since}`;
  return {
    formFor(row) {
      const key = keyOf(row);
      let form = forms.get(key);
      if (!form) {
        form = buildForm(row, onAnswered);
        forms.set(key, form);
      }
      return form;
    },
    keep(rows) {
      const live = new Set(rows.map(keyOf));
      for (const key of [...forms.keys()]) if (!live.has(key)) forms.delete(key);
    },
  };
}

/**
 * A credential holder that cannot leak by accident: JSON, `String()`, template literals and
 * `util.inspect` all render `[redacted]`; only {@link SecretString.reveal} returns the value.
 * Implements the "never log secrets" rule of spec §15.3 as a second line of defence.
 */
import { inspect } from 'node:util';

/** Rendering of a {@link SecretString} everywhere except {@link SecretString.reveal}. */
export const REDACTED = '[redacted]';

/** An opaque secret value (for example a Linear API key). */
export class SecretString {
  readonly #value: string;

  /** @param value - the secret; never logged or serialized by this class. */
  constructor(value: string) {
    this.#value = value;
  }

  /** The raw secret, for the one place that must send it (an HTTP `Authorization` header). */
  reveal(): string {
    return this.#value;
  }

  /** `text` with every occurrence of the secret replaced by `[redacted]`. */
  scrub(text: string): string {
    return this.#value === '' ? text : text.split(this.#value).join(REDACTED);
  }

  /** Always `[redacted]`. */
  toString(): string {
    return REDACTED;
  }

  /** Always `[redacted]` (what `JSON.stringify` and pino emit). */
  toJSON(): string {
    return REDACTED;
  }

  /** Always `[redacted]` (what `console.log` / `util.inspect` emit). */
  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * Copy-on-write views of the state's collections for one {@link import('./core.js').step}: a
 * collection is copied only when the step first changes it, so the frequent events (agent
 * telemetry touches `running` only) do not copy the others, and the old state is never mutated.
 */

/** A map that copies its base on the first write. */
export class CowMap<K, V> {
  #copy: Map<K, V> | null = null;

  constructor(private readonly base: ReadonlyMap<K, V>) {}

  /** The current contents (the base until the first write). */
  get view(): ReadonlyMap<K, V> {
    return this.#copy ?? this.base;
  }

  get size(): number {
    return this.view.size;
  }

  get(key: K): V | undefined {
    return this.view.get(key);
  }

  has(key: K): boolean {
    return this.view.has(key);
  }

  values(): IterableIterator<V> {
    return this.view.values();
  }

  set(key: K, value: V): void {
    (this.#copy ??= new Map(this.base)).set(key, value);
  }

  delete(key: K): void {
    if (this.view.has(key)) (this.#copy ??= new Map(this.base)).delete(key);
  }
}

/** A set that copies its base on the first write. */
export class CowSet<T> {
  #copy: Set<T> | null = null;

  constructor(private readonly base: ReadonlySet<T>) {}

  /** The current contents (the base until the first write). */
  get view(): ReadonlySet<T> {
    return this.#copy ?? this.base;
  }

  has(value: T): boolean {
    return this.view.has(value);
  }

  add(value: T): void {
    if (!this.view.has(value)) (this.#copy ??= new Set(this.base)).add(value);
  }

  delete(value: T): void {
    if (this.view.has(value)) (this.#copy ??= new Set(this.base)).delete(value);
  }
}

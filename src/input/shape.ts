/**
 * The shape a JSON file kubelab wrote must still have when it is read back: a file that was edited,
 * damaged or replaced is refused with where it differs, before any code relies on a field.
 *
 * Hand-written rather than a JSON Schema for ajv: compiling even a small schema costs about 100 ms
 * of every command's start-up (the spec's validator is compiled at build time for that reason), and
 * these are a few fields each. Fields not named are let through: newer kubelabs may add some.
 */

/** A check of one value: the problem in words, or undefined. `T` is the type of a value that passes. */
export interface Shape<T> {
  (value: unknown, at: string): string | undefined;
  /** Never set: it carries T, so that a shape can be declared as the type it checks. */
  readonly type?: T;
}

export type ShapeOf<S> = S extends Shape<infer T> ? T : never;

function shape<T>(check: (value: unknown, at: string) => string | undefined): Shape<T> {
  return check;
}

/** The value as a message shows it: JSON, cut short. */
function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function expected(what: string, value: unknown, at: string): string {
  return `${at === '' ? '' : `${at}: `}expected ${what}, got ${shown(value)}`;
}

const simple = <T>(what: string, test: (value: unknown) => boolean): Shape<T> => shape<T>((value, at) => (test(value) ? undefined : expected(what, value, at)));

export const string = simple<string>('a string', (v) => typeof v === 'string');
export const boolean = simple<boolean>('true or false', (v) => typeof v === 'boolean');
export const integer = simple<number>('an integer', (v) => Number.isSafeInteger(v));
export const number = simple<number>('a number', (v) => typeof v === 'number' && Number.isFinite(v));
/** Anything at all: a value only passed along, never looked into. */
export const anything = shape<unknown>(() => undefined);

/**
 * A process id that kubelab may signal: 0 and -1 (and 1, as a process group) would name its own
 * process group or every process the user owns.
 */
export const pid = simple<number>('a process id', (v) => Number.isSafeInteger(v) && (v as number) > 1);

export function literal<const V extends string | number | boolean>(...values: V[]): Shape<V> {
  return simple<V>(values.map((v) => JSON.stringify(v)).join(' or '), (v) => values.includes(v as V));
}

export function matching(pattern: RegExp, what: string): Shape<string> {
  return simple<string>(what, (v) => typeof v === 'string' && pattern.test(v));
}

export function optional<T>(inner: Shape<T>): Shape<T | undefined> {
  return shape<T | undefined>((value, at) => (value === undefined ? undefined : inner(value, at)));
}

export function nullable<T>(inner: Shape<T>): Shape<T | null> {
  return shape<T | null>((value, at) => (value === null ? undefined : inner(value, at)));
}

export function array<T>(item: Shape<T>): Shape<T[]> {
  return shape<T[]>((value, at) => {
    if (!Array.isArray(value)) return expected('a list', value, at);
    for (const [index, element] of value.entries()) {
      const problem = item(element, `${at}[${index}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A mapping with these fields (optional ones may be missing); other fields are let through. */
export function object<F extends Record<string, Shape<unknown>>>(fields: F): Shape<{ [K in keyof F]: ShapeOf<F[K]> }> {
  return shape((value, at) => {
    if (!isRecord(value)) return expected('a mapping', value, at);
    for (const [key, field] of Object.entries(fields)) {
      const problem = field(Object.hasOwn(value, key) ? value[key] : undefined, at === '' ? key : `${at}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  });
}

/** A mapping whose every value has one shape. */
export function record<T>(values: Shape<T>): Shape<Record<string, T>> {
  return shape<Record<string, T>>((value, at) => {
    if (!isRecord(value)) return expected('a mapping', value, at);
    for (const [key, element] of Object.entries(value)) {
      const problem = values(element, at === '' ? key : `${at}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  });
}

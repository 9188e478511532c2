import { IConstruct } from 'constructs';
import { fail, show } from './errors';

/**
 * Run-time shapes of props and arguments. TypeScript checks types at compile time only; callers in
 * JavaScript, in jsii languages (Python, Java, ...) and through `as any` pass `null`, numbers where
 * strings belong, plain objects where an instance of a value class belongs, or strings that are not
 * enum members. Every public entry point checks its input against a shape first, so that such a value
 * fails with the library's error (construct path, field, value, fix) and never as a `TypeError`
 * somewhere deeper. The shapes check types and presence; the meaning of a value (a DNS label, a
 * percentage that adds up) is checked where it is used.
 */
export interface Shape {
  /** What a fitting value is, for messages ("a string", "a TrafficSplit"). */
  readonly what: string;
  /** What to pass instead. */
  readonly fix: string;
  /** Fails with the library's error unless `value` fits. `field` is the value's path in the props. */
  check(scope: IConstruct | string, field: string, value: unknown): void;
}

type Fields = { readonly [name: string]: Shape };

function simple(what: string, fix: string, fits: (v: unknown) => boolean): Shape {
  return {
    what,
    fix,
    check(scope, field, value) {
      if (!fits(value)) { fail(scope, field, value, `is not ${what}`, fix); }
    },
  };
}

const OPTIONAL = Symbol('optional');

/** Shapes of props and arguments. */
export const T = {
  string(fix = 'Pass a string'): Shape {
    return simple('a string', fix, v => typeof v === 'string');
  },

  /** A finite number; whole when `integer`, within `min`..`max` when given. */
  number(opts: { integer?: boolean; min?: number; max?: number; fix?: string } = {}): Shape {
    const what = `${opts.integer ? 'a whole number' : 'a finite number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
    return simple(what, opts.fix ?? `Pass ${what}`, v => typeof v === 'number' && Number.isFinite(v)
      && (!opts.integer || Number.isInteger(v)) && (opts.min === undefined || v >= opts.min) && (opts.max === undefined || v <= opts.max));
  },

  boolean(): Shape {
    return simple('true or false', 'Pass true or false', v => typeof v === 'boolean');
  },

  /** A member of a TypeScript string enum (jsii callers pass its string value). */
  enumOf(members: object, name: string): Shape {
    const values = Object.values(members);
    const keys = Object.keys(members);
    return simple(article(name), `Use one of ${keys.map(k => `${name}.${k}`).join(', ')}`, v => values.includes(v));
  },

  /** An instance of a value class of the library, recognised by its `isXxx()` check. */
  instance(name: string, is: (v: unknown) => boolean, fix: string): Shape {
    return simple(article(name), fix, v => v !== null && typeof v === 'object' && is(v));
  },

  /** A cdk8s `Duration` (recognised by its methods, so that two copies of cdk8s work alike). */
  duration(fix = 'Pass a cdk8s Duration, e.g. Duration.seconds(5)'): Shape {
    return simple('a cdk8s Duration', fix, v => v !== null && typeof v === 'object'
      && typeof (v as any).toMilliseconds === 'function' && typeof (v as any).toSeconds === 'function');
  },

  /** A construct. */
  construct(fix: string): Shape {
    return simple('a construct', fix, v => v !== null && typeof v === 'object' && typeof (v as any).node === 'object' && (v as any).node !== null);
  },

  /** Any value: checked where it is used (for example by a dedicated check with a better message). */
  any(): Shape {
    return { what: 'a value', fix: '', check() { /* checked where used */ } };
  },

  /** A list whose items fit `item`. */
  array(item: Shape, opts: { minLength?: number } = {}): Shape {
    const what = opts.minLength ? `a list of at least ${opts.minLength} ${item.what.replace(/^an? /, '')} item(s)` : `a list of ${item.what.replace(/^an? /, '')} items`;
    return {
      what,
      fix: `Pass a list (array) of ${item.what.replace(/^an? /, '')} items`,
      check(scope, field, value) {
        if (!Array.isArray(value)) { fail(scope, field, value, 'is not a list', `Pass a list (array) of ${item.what.replace(/^an? /, '')} items`); }
        if (opts.minLength !== undefined && value.length < opts.minLength) {
          fail(scope, field, value, `has fewer than ${opts.minLength} item(s)`, `Pass at least ${opts.minLength}`);
        }
        value.forEach((v, i) => item.check(scope, `${field}[${i}]`, v));
      },
    };
  },

  /** An object used as a map from strings to values that fit `value` (labels, headers, env). */
  map(value: Shape = T.string()): Shape {
    return {
      what: `a map of names to ${value.what.replace(/^an? /, '')} values`,
      fix: `Pass an object such as { name: ${value.what === 'a string' ? "'value'" : '...'} }`,
      check(scope, field, v) {
        if (!isPlainObject(v)) { fail(scope, field, v, 'is not a map (a plain object)', `Pass an object such as { name: ${value.what === 'a string' ? "'value'" : '...'} }`); }
        for (const k of Object.keys(v)) { value.check(scope, join(field, k), (v as any)[k]); }
      },
    };
  },

  /** The value may be left out (`undefined`); `null` is refused, so that a mistake does not pass for "not given". */
  optional(shape: Shape): Shape {
    return {
      what: shape.what,
      fix: shape.fix,
      [OPTIONAL]: true,
      check(scope, field, value) {
        if (value === undefined) { return; }
        if (value === null) {
          fail(scope, field, value, 'is null', `Leave the field out (undefined) for the default, or ${shape.fix ? lowerFirst(shape.fix) : 'give it a value'}`);
        }
        shape.check(scope, field, value);
      },
    } as Shape;
  },

  /**
   * A props object (or options struct): every required field present, every field of its shape, and
   * no field the struct does not have (a misspelt prop is otherwise silently ignored).
   */
  struct(name: string, fields: Fields, example: string): Shape {
    const known = Object.keys(fields);
    return {
      what: `${article(name)} object`,
      fix: `Pass the ${name}, e.g. ${example}`,
      check(scope, field, value) {
        // Any object (a class implementing the props interface is valid TypeScript), not a list or a function.
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          fail(scope, field || 'props', value, `is not ${article(name)} object`, `Pass the ${name}, e.g. ${example}`);
        }
        for (const key of Object.keys(value)) {
          if (!Object.prototype.hasOwnProperty.call(fields, key) && (value as any)[key] !== undefined) {
            fail(scope, join(field, key), (value as any)[key], `is not a field of ${name}`, `Use one of: ${known.join(', ')}`);
          }
        }
        for (const key of known) {
          const shape = fields[key];
          const v = (value as any)[key];
          if (!(OPTIONAL in shape) && (v === undefined || v === null)) {
            fail(scope, join(field, key), v, 'is required', shape.fix || `Pass ${shape.what}`);
          }
          shape.check(scope, join(field, key), v);
        }
      },
    };
  },
};

/** Checks the props of a construct (field names in messages are the props' own names). */
export function checkProps(scope: IConstruct, props: unknown, shape: Shape): void {
  shape.check(scope, '', props);
}

/** The path of `key` inside `field`: dotted for a plain name, quoted in brackets for any other key. */
function join(field: string, key: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) { return `${field || 'props'}[${JSON.stringify(key)}]`; }
  return field === '' ? key : `${field}.${key}`;
}

function article(name: string): string {
  return `${/^[AEIOUaeiou]/.test(name) ? 'an' : 'a'} ${name}`;
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0].toLowerCase() + s.slice(1);
}

/** A plain object (not null, not an array, not a class instance such as a Date or a Duration). */
export function isPlainObject(v: unknown): v is object {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) { return false; }
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The value as messages show it (re-exported for checks built on shapes). */
export { show };

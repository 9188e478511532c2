import { IConstruct } from 'constructs';

const ERROR_SYMBOL = Symbol.for('cdk8s-istio-traffic.IstioTrafficError');

/**
 * The error every construct of this library throws for bad input.
 *
 * The message always names the construct path, the field, the bad value and what to do instead,
 * so a failing `cdk8s synth` in a pipeline says exactly where to look; the same parts are fields, so
 * tools can catch the error and read them.
 */
export class IstioTrafficError extends Error {
  /**
   * True for an error thrown by this library, also when it comes from another copy of the package
   * (where `instanceof` answers false).
   */
  public static isIstioTrafficError(x: any): x is IstioTrafficError {
    return x !== null && typeof x === 'object' && ERROR_SYMBOL in x;
  }

  /** The construct path of the construct whose input is wrong. */
  public readonly constructPath: string;
  /** The property (or property path) that holds the bad value. */
  public readonly field: string;
  /** The bad value, as shown in the message (strings quoted, other values as JSON). */
  public readonly value: string;
  /** What is wrong with the value. */
  public readonly problem: string;
  /** What to do instead. */
  public readonly fix: string;

  /**
   * @param constructPath the construct path of the construct whose input is wrong
   * @param field the property (or property path) that holds the bad value
   * @param value the bad value, as shown in the message
   * @param problem what is wrong with it, e.g. "is not a DNS-1123 label"
   * @param fix what to do instead
   */
  constructor(constructPath: string, field: string, value: string, problem: string, fix: string) {
    super(`[${constructPath}] ${field}: ${value === '' ? '' : `${value} `}${problem}. ${fix}`);
    Object.defineProperty(this, ERROR_SYMBOL, { value: true });
    this.name = 'IstioTrafficError';
    this.constructPath = constructPath;
    this.field = field;
    this.value = value;
    this.problem = problem;
    this.fix = fix;
  }
}

/**
 * Renders a value for an error message: strings quoted (control characters escaped as in JSON, so
 * that a tab or a line break in a bad value is seen and the message stays one line), everything else
 * as JSON.
 */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return `'${value.replace(/[\u0000-\u001f\u007f]/g, c => (c === '\u007f' ? '\\u007f' : JSON.stringify(c).slice(1, -1)))}'`;
  }
  if (value === undefined) { return 'undefined'; }
  if (typeof value === 'number' && !Number.isFinite(value)) { return String(value); }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The construct path used in messages (`<app>` for the root). */
export function pathOf(scope: IConstruct | string): string {
  return typeof scope === 'string' ? scope : (scope.node.path || '<app>');
}

/**
 * Throws an IstioTrafficError for `scope`.
 *
 * @param problem what is wrong with the value, e.g. "is not a DNS-1123 label"
 * @param fix what to do instead, e.g. "use lowercase letters, digits and '-'"
 */
export function fail(scope: IConstruct | string, field: string, value: unknown, problem: string, fix: string): never {
  throw new IstioTrafficError(pathOf(scope), field, show(value), problem, fix);
}

/**
 * Throws an IstioTrafficError whose subject is not one value (a conflict between two constructs,
 * say): the message is `[path] field: problem. fix`.
 */
export function failWith(scope: IConstruct | string, field: string, problem: string, fix: string): never {
  throw new IstioTrafficError(pathOf(scope), field, '', problem, fix);
}

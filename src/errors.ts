import { IConstruct } from 'constructs';

/**
 * The error every construct of this library throws for bad input.
 *
 * The message always names the construct path, the field, the bad value and what to do instead,
 * so a failing `cdk8s synth` in a pipeline says exactly where to look.
 */
export class IstioTrafficError extends Error {
  /** The construct path of the construct whose input is wrong. */
  public readonly constructPath: string;
  /** The property (or property path) that holds the bad value. */
  public readonly field: string;

  constructor(constructPath: string, field: string, message: string) {
    super(`[${constructPath}] ${field}: ${message}`);
    this.name = 'IstioTrafficError';
    this.constructPath = constructPath;
    this.field = field;
  }
}

/** Renders a value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') { return `'${value}'`; }
  if (value === undefined) { return 'undefined'; }
  return JSON.stringify(value);
}

/**
 * Throws an IstioTrafficError for `scope`.
 *
 * @param problem what is wrong with the value, e.g. "is not a DNS-1123 label"
 * @param fix what to do instead, e.g. "use lowercase letters, digits and '-'"
 */
export function fail(scope: IConstruct | string, field: string, value: unknown, problem: string, fix: string): never {
  const path = typeof scope === 'string' ? scope : (scope.node.path || '<app>');
  throw new IstioTrafficError(path, field, `${show(value)} ${problem}. ${fix}`);
}

import { IstioTrafficError } from './core/errors';

/** What an error of this library says, field by field. */
export interface IstioTrafficErrorDetails {
  /** The construct path of the construct whose input is wrong. */
  readonly constructPath: string;
  /** The property (or property path) that holds the bad value. */
  readonly field: string;
  /** The bad value, as shown in the message. */
  readonly value: string;
  /** What is wrong with the value. */
  readonly problem: string;
  /** What to do instead. */
  readonly fix: string;
}

/**
 * Reads the errors this library throws. Every one is an `IstioTrafficError` (TypeScript and
 * JavaScript import the class from `cdk8s-istio-traffic/errors`); these checks work from every jsii
 * language and across copies of the package, where `instanceof` does not.
 */
export class IstioTrafficErrors {
  /**
   * True for an error thrown by this library (an `IstioTrafficError`), also by another copy of the package.
   *
   * @param x any value, typically what a `catch` caught
   */
  public static isIstioTrafficError(x: any): boolean {
    return IstioTrafficError.isIstioTrafficError(x);
  }

  /**
   * The construct path, field, value, problem and fix of an error of this library, or undefined
   * for any other value.
   *
   * @example
   * try {
   *   new CanaryService(chart, 'reviews', props);
   * } catch (e) {
   *   const details = IstioTrafficErrors.detailsOf(e);
   *   if (details) { console.error(`${details.field}: ${details.problem}. ${details.fix}`); }
   * }
   *
   * @param x any value, typically what a `catch` caught
   * @returns the details of the error, or undefined for any other value
   */
  public static detailsOf(x: any): IstioTrafficErrorDetails | undefined {
    if (!IstioTrafficError.isIstioTrafficError(x)) { return undefined; }
    return { constructPath: x.constructPath, field: x.field, value: x.value, problem: x.problem, fix: x.fix };
  }

  private constructor() {}
}

import { Chart, Testing } from 'cdk8s';
import { fail, failWith, IstioTrafficError } from '../src/core/errors';
import { IstioTrafficErrorDetails, IstioTrafficErrors } from '../src/errors';

/**
 * Unit tests of IstioTrafficErrors, the jsii-friendly reader of the library's errors: it recognises
 * them (also from another copy of the package, by the shared symbol) and returns exactly their five
 * parts, and answers false / undefined for anything else.
 */

const MARKER = Symbol.for('cdk8s-istio-traffic.IstioTrafficError');

/** What `f` throws. */
function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, nothing was thrown');
}

/** An error as another copy of the package builds it: not an instance of this copy's class, but marked with the shared symbol. */
function fromAnotherCopy(): Error {
  const e = new Error('[other/path] hosts: is served twice. Serve it once');
  Object.defineProperty(e, MARKER, { value: true });
  return Object.assign(e, { constructPath: 'other/path', field: 'hosts', value: '', problem: 'is served twice', fix: 'Serve it once' });
}

const NOT_ERRORS_OF_THE_LIBRARY: Array<[string, unknown]> = [
  ['null', null],
  ['undefined', undefined],
  ['a string', 'IstioTrafficError'],
  ['a number', 42],
  ['a plain Error', new Error('[a] b: c. d')],
  ['an object with the same fields but no marker', { constructPath: 'a', field: 'b', value: "'c'", problem: 'd', fix: 'e', name: 'IstioTrafficError' }],
  ['an object with a different symbol', { [Symbol('cdk8s-istio-traffic.IstioTrafficError')]: true, constructPath: 'a' }],
  ['a function', () => 1],
];

describe('IstioTrafficErrors.isIstioTrafficError', () => {
  test('is true for what fail and failWith throw', () => {
    expect(IstioTrafficErrors.isIstioTrafficError(caught(() => fail('a/b', 'port', 0, 'is not a port number', 'Use 1 to 65535')))).toBe(true);
    expect(IstioTrafficErrors.isIstioTrafficError(caught(() => failWith('a/b', 'hosts', 'is served twice', 'Serve it once')))).toBe(true);
  });
  test('is true for an error of another copy of the package, which instanceof does not recognise', () => {
    const e = fromAnotherCopy();
    expect(e).not.toBeInstanceOf(IstioTrafficError);
    expect(IstioTrafficErrors.isIstioTrafficError(e)).toBe(true);
  });
  test.each(NOT_ERRORS_OF_THE_LIBRARY)('is false for %s', (_, x) => {
    expect(IstioTrafficErrors.isIstioTrafficError(x)).toBe(false);
  });
});

describe('IstioTrafficErrors.detailsOf', () => {
  test('returns exactly the five parts of an error a construct throws', () => {
    const chart = new Chart(Testing.app(), 'shop');
    const e = caught(() => fail(chart, 'versions[0].name', 'V2', 'is not a DNS-1123 label', 'Use lower case'));
    const expected: IstioTrafficErrorDetails = {
      constructPath: 'shop', field: 'versions[0].name', value: "'V2'", problem: 'is not a DNS-1123 label', fix: 'Use lower case',
    };
    // Only the five parts: not the message, name or stack of the error.
    expect(IstioTrafficErrors.detailsOf(e)).toStrictEqual(expected);
  });
  test('the parts put together are the message', () => {
    const details = IstioTrafficErrors.detailsOf(caught(() => fail('a/b', 'weight', 101, 'is more than 100', 'Use 0 to 100')))!;
    expect(`[${details.constructPath}] ${details.field}: ${details.value} ${details.problem}. ${details.fix}`).toBe('[a/b] weight: 101 is more than 100. Use 0 to 100');
  });
  test('an error without a value has an empty value', () => {
    expect(IstioTrafficErrors.detailsOf(caught(() => failWith('a/b', 'hosts', 'is served twice', 'Serve it once')))).toStrictEqual({
      constructPath: 'a/b', field: 'hosts', value: '', problem: 'is served twice', fix: 'Serve it once',
    });
  });
  test('reads an error of another copy of the package from its fields', () => {
    expect(IstioTrafficErrors.detailsOf(fromAnotherCopy())).toStrictEqual({
      constructPath: 'other/path', field: 'hosts', value: '', problem: 'is served twice', fix: 'Serve it once',
    });
  });
  test.each(NOT_ERRORS_OF_THE_LIBRARY)('is undefined for %s', (_, x) => {
    expect(IstioTrafficErrors.detailsOf(x)).toBeUndefined();
  });
});

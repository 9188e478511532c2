import { Chart, Duration, Testing } from 'cdk8s';
import { exactly } from './util';
import {
  checkDnsLabel, checkDnsSubdomain, checkLabels, checkPort, checkRenderableKey, checkWholeNumber,
} from '../src/core/checks';
import { istioDuration } from '../src/core/duration';
import { fail, failWith, IstioTrafficError, pathOf, show } from '../src/core/errors';
import {
  CLUSTER_SUFFIX, DEFAULT_NAMESPACE, hostMatches, hostSlug, hostSpecificity, istioHost, namespaceOf, qualifyHost,
  serverCovers, serviceFqdn, serviceHostFrom,
} from '../src/core/hosts';
import { covers, same, takesEveryRequest } from '../src/core/match-analysis';
import { isPeerAuthentication, peerModeOf, ROOT_NAMESPACE } from '../src/core/peer-authentication';
import { isHttpProtocol, ServiceProtocol } from '../src/core/protocol';
import { re2, re2Error, re2FullMatch } from '../src/core/re2';
import { checkProps, isPlainObject, Shape, T } from '../src/core/shape';
import {
  cookieRegex, gatewayHostError, goDurationMs, GRPC_STATUS_NAMES, isAnyCaseDnsLabel, isCookieValue, isDns1035Label, isDnsLabel,
  isDnsSubdomain, isEnvName, isHttpMethod, isHttpToken, isImageReference, isIp, isLabelValue, isPort, isRetryCondition,
  isSettableHeader, KNOWN_HTTP_STATUS, labelKeyError, MAX_GO_DURATION_MS, MAX_REGEX_LENGTH, MAX_REQUEST_HEADERS_BYTES,
  PSEUDO_HEADERS, re2Quote, RESERVED_HEADERS, RETRY_CONDITIONS, wildcardDomainError,
} from '../src/core/syntax';

/**
 * Unit tests of the pure rules in src/core: the syntax checks (with the value just inside each limit
 * accepted and the value just outside refused), the library's error format, the run-time shapes of
 * props, host naming, match-block coverage and PeerAuthentication composition.
 */

function newChart(): Chart {
  return new Chart(Testing.app(), 'test', { namespace: 'shop' });
}


/** The error `f` throws (failing the test when it throws nothing). */
function thrown(f: () => unknown): IstioTrafficError {
  try {
    f();
  } catch (e) {
    expect(IstioTrafficError.isIstioTrafficError(e)).toBe(true);
    return e as IstioTrafficError;
  }
  throw new Error('expected an IstioTrafficError, nothing was thrown');
}

/** `n` labels of 63 characters, the last of `last` characters, joined with dots. */
function longHost(full: number, last: number): string {
  return [...Array.from({ length: full }, (_, i) => String.fromCharCode(97 + i).repeat(63)), 'z'.repeat(last)].join('.');
}

describe('DNS-1123 labels', () => {
  test.each(['a', '0', 'ab', 'a-b', 'a--b', 'v2', 'abcd', 'a1b2c3', 'a'.repeat(63)])('accepts %p', s => {
    expect(isDnsLabel(s)).toBe(true);
  });
  test.each(['', '-a', 'a-', 'Aa', 'aA', 'a.b', 'a_b', ' a', 'a ', 'a'.repeat(64), 42, ['a'], null, undefined])('refuses %p', s => {
    expect(isDnsLabel(s)).toBe(false);
  });
});

describe('DNS-1123 subdomains', () => {
  test.each(['a', 'a.b', 'a.b.c', 'a-b.c-d.e', 'reviews.shop.svc', '0.a', longHost(3, 61)])('accepts %p', s => {
    expect(isDnsSubdomain(s)).toBe(true);
  });
  test('the longest accepted is 253 characters', () => {
    expect(longHost(3, 61)).toHaveLength(253);
    expect(longHost(3, 62)).toHaveLength(254);
    expect(isDnsSubdomain(longHost(3, 62))).toBe(false);
  });
  test.each(['', '.a', 'a.', 'a..b', 'A.b', 'a.B', 'a-.b', 'a.-b', '-a.b', 'a.b-', 'a_b.c', 'a.b c', 7, ['a']])('refuses %p', s => {
    expect(isDnsSubdomain(s)).toBe(false);
  });
});

describe('DNS-1035 labels', () => {
  test.each(['a', 'a1', 'ab', 'a-1', 'reviews', 'a'.repeat(63)])('accepts %p', s => {
    expect(isDns1035Label(s)).toBe(true);
  });
  test.each(['', '1a', '1', '-a', 'a-', 'A', 'aB', 'a.b', 'a'.repeat(64), ['a'], 5])('refuses %p', s => {
    expect(isDns1035Label(s)).toBe(false);
  });
});

describe('DNS labels of either case', () => {
  test.each(['A', 'a', '0', 'Ab-C', 'AbCd', 'x'.repeat(63)])('accepts %p', s => {
    expect(isAnyCaseDnsLabel(s)).toBe(true);
  });
  test.each(['', '-A', 'A-', 'A.B', 'A_B', '*', 'x'.repeat(64), 42, ['a']])('refuses %p', s => {
    expect(isAnyCaseDnsLabel(s)).toBe(false);
  });
});

describe('Kubernetes label keys', () => {
  test.each([
    'app', 'a', 'ab', 'A', 'app.kubernetes.io/name', 'example.com/Version_1.x-y', 'a'.repeat(63), `example.com/${'b'.repeat(63)}`,
  ])('accepts %p', key => {
    expect(labelKeyError(key)).toBeUndefined();
  });
  test.each([
    ['', 'is not a label key'],
    [42, 'is not a label key'],
    [['app'], 'is not a label key'],
    ['/app', 'has a prefix that is not a DNS-1123 subdomain'],
    ['Example.com/app', 'has a prefix that is not a DNS-1123 subdomain'],
    ['a/b/c', 'has a prefix that is not a DNS-1123 subdomain'],
    ['example.com/', 'is not a valid label key'],
    ['app-', 'is not a valid label key'],
    ['-app', 'is not a valid label key'],
    ['_app', 'is not a valid label key'],
    ['app_', 'is not a valid label key'],
    ['a b', 'is not a valid label key'],
    ['app*', 'is not a valid label key'],
    ['a'.repeat(64), 'is not a valid label key'],
    [`example.com/${'b'.repeat(64)}`, 'is not a valid label key'],
  ])('refuses %p: %s', (key, problem) => {
    expect(labelKeyError(key)).toBe(problem);
  });
});

describe('Kubernetes label values', () => {
  test.each(['', 'a', 'A', 'v1', 'A_b.c-D', 'a'.repeat(63)])('accepts %p', v => {
    expect(isLabelValue(v)).toBe(true);
  });
  test.each(['-a', 'a-', '_a', 'a.', 'a b', 'a/b', 'a'.repeat(64), 42, ['a'], null])('refuses %p', v => {
    expect(isLabelValue(v)).toBe(false);
  });
});

describe('port numbers', () => {
  test.each([1, 80, 65535])('accepts %p', p => {
    expect(isPort(p)).toBe(true);
  });
  test.each([0, -1, 65536, 1.5, NaN, Infinity, '80'])('refuses %p', p => {
    expect(isPort(p)).toBe(false);
  });
});

describe('HTTP tokens (header and cookie names)', () => {
  test.each(['x-user', 'X', "!#$%&'*+-.^_`|~09azAZ"])('accepts %p', s => {
    expect(isHttpToken(s)).toBe(true);
  });
  test.each(['', 'a b', 'a:b', 'a"b', 'a(b', 'a,b', 'a/b', 'é', ['a'], 1])('refuses %p', s => {
    expect(isHttpToken(s)).toBe(false);
  });
});

describe('cookie values (RFC 6265)', () => {
  // The allowed octets are 0x21, 0x23-0x2B, 0x2D-0x3A, 0x3C-0x5B and 0x5D-0x7E.
  test.each(['', '!', '#', '+', '-', ':', '<', '[', ']', '~', 'abc123', '!#+-:<[]~'])('accepts %p', s => {
    expect(isCookieValue(s)).toBe(true);
  });
  test.each([' ', '"', ',', ';', '\\', '\x7f', 'a b', 'a;b', 'é', 42, ['a']])('refuses %p', s => {
    expect(isCookieValue(s)).toBe(false);
  });
});

describe('HTTP methods', () => {
  test.each(['GET', 'G', 'PURGE'])('accepts %p', s => {
    expect(isHttpMethod(s)).toBe(true);
  });
  test.each(['', 'get', 'Get', 'GET1', 'GE T', 'GET ', ['GET'], 1])('refuses %p', s => {
    expect(isHttpMethod(s)).toBe(false);
  });
});

describe('IP addresses', () => {
  test.each([
    '10.0.0.1', '1.2.3.4', '20.30.40.50', '192.168.0.1', '255.255.255.255', '250.240.199.9', '9.99.250.240', '100.200.249.255', '0.0.0.0',
    '::1', 'fe80::1', 'FE80::A', '::ffff:1.2.3.4',
  ])('accepts %p', s => {
    expect(isIp(s)).toBe(true);
  });
  test.each(['256.1.1.1', '1.1.1.256', '1.260.1.1', '1.2.3', '1.2.3.4.5', '1.2.3.4.', 'a1.2.3.4', '1.2.3.4a', 'abcd', 'g::1', 'example.com', ''])('refuses %p', s => {
    expect(isIp(s)).toBe(false);
  });
});

describe('Istio hosts (ValidateWildcardDomain)', () => {
  test.each([
    '*', '*.example.com', '*foo.example.com', '*-foo.example.com', 'foo.example.com', 'Example.COM', 'example.com.', 'reviews', '123',
    'example.1a', 'example.a1', `*${'a'.repeat(62)}.com`, longHost(3, 61) + '.a',
  ])('accepts %p', host => {
    expect(wildcardDomainError(host)).toBeUndefined();
  });
  test('the longest accepted host is 255 characters', () => {
    expect(longHost(3, 61) + '.a').toHaveLength(255);
    expect(wildcardDomainError(longHost(3, 62) + '.a')).toBe('must be 1 to 255 characters');
  });
  test.each([
    ['', 'must be 1 to 255 characters'],
    [42, 'must be 1 to 255 characters'],
    [['a'], 'must be 1 to 255 characters'],
    ['**.example.com', "the first label '**' is not a DNS label or a leading wildcard"],
    ['f*.example.com', "the first label 'f*' is not a DNS label or a leading wildcard"],
    ['*-.example.com', "the first label '*-' is not a DNS label or a leading wildcard"],
    ['-a.example.com', "the first label '-a' is not a DNS label or a leading wildcard"],
    ['a-.example.com', "the first label 'a-' is not a DNS label or a leading wildcard"],
    [`*${'a'.repeat(63)}.com`, `the first label '*${'a'.repeat(63)}' is not a DNS label or a leading wildcard`],
    [`${'a'.repeat(64)}.com`, `the first label '${'a'.repeat(64)}' is not a DNS label or a leading wildcard`],
    ['a.*.com', "'*' is not a DNS-1123 label (a wildcard may only be the first label)"],
    ['a.b_c.com', "'b_c' is not a DNS-1123 label (a wildcard may only be the first label)"],
    ['a..com', "'' is not a DNS-1123 label (a wildcard may only be the first label)"],
    ['example.com..', "'' is not a DNS-1123 label (a wildcard may only be the first label)"],
    ['1.2.3.4', 'the last label is all digits'],
    ['example.12', 'the last label is all digits'],
    ['*.123', 'the last label is all digits'],
  ])('refuses %p: %s', (host, problem) => {
    expect(wildcardDomainError(host)).toBe(problem);
  });
});

describe('Gateway server hosts', () => {
  test.each(['*', '*.example.com', '*.com', 'example.com', 'a.b.example.com', 'example.a1', 'example.1a', longHost(3, 61)])('accepts %p', host => {
    expect(gatewayHostError(host)).toBeUndefined();
  });
  test.each([
    'example', 'Example.com', 'a.*.com', '*foo.example.com', '*.', '**.example.com', 'example.123', '1.2.3.4', '*.12', 'example.com.',
    longHost(3, 62), 42, ['*'],
  ])('refuses %p', host => {
    expect(gatewayHostError(host)).toBe('is not a host a Gateway can serve');
  });
});

describe('Go durations', () => {
  test.each([
    ['1h30m', 5_400_000], ['2h', 7_200_000], ['1m', 60_000], ['7s', 7000], ['1.5s', 1500], ['250ms', 250], ['1.25ms', 1.25],
    ['1us', 0.001], ['1µs', 0.001], ['1ns', 0.000001], ['1500ns', 0.0015], ['1h1m1s1ms', 3_661_001], ['0.1ms0.2ms', 0.3], ['0s', 0],
  ])('%s is %p ms', (d, ms) => {
    expect(goDurationMs(d)).toBe(ms);
  });
  test.each(['', '1', 's', '1.s', '.5s', '1d', '1h 30m', '-1s', '+1s', '1s ', ' 1s', '1S', 5, ['1s'], null])('%p does not parse', d => {
    expect(goDurationMs(d)).toBeUndefined();
  });
  test('the longest Go duration is 2^63-1 ns', () => {
    expect(MAX_GO_DURATION_MS).toBe(Math.floor((2 ** 63 - 1) / 1e6));
  });
});

describe('RE2 quoting and cookie regexes', () => {
  test('every RE2 metacharacter is escaped, nothing else', () => {
    expect(re2Quote('\\^$.|?*+()[]{}')).toBe('\\\\\\^\\$\\.\\|\\?\\*\\+\\(\\)\\[\\]\\{\\}');
    expect(re2Quote('abc-/_=~ AZ09')).toBe('abc-/_=~ AZ09');
    expect(re2Quote('a.b')).toBe('a\\.b');
  });
  test('the cookie regex is anchored on cookie boundaries', () => {
    const regex = cookieRegex('user', 'jason');
    expect(regex).toBe('(.*;\\s*)?user=jason(;.*)?');
    expect(re2FullMatch(regex, 'user=jason')).toBe(true);
    expect(re2FullMatch(regex, 'a=b; user=jason')).toBe(true);
    expect(re2FullMatch(regex, 'a=b;user=jason;c=d')).toBe(true);
    expect(re2FullMatch(regex, 'xuser=jason')).toBe(false);
    expect(re2FullMatch(regex, 'user=jasonx')).toBe(false);
  });
  test('names and values are quoted', () => {
    expect(cookieRegex('a.b', 'x+y')).toBe('(.*;\\s*)?a\\.b=x\\+y(;.*)?');
    expect(re2FullMatch(cookieRegex('a.b', 'x+y'), 'aXb=xxy')).toBe(false);
  });
});

describe('header names a route may set', () => {
  const reserved = [
    'host', ':method', ':scheme', ':authority', ':path', ':status', 'content-length', 'connection', 'keep-alive', 'proxy-connection',
    'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization',
  ];
  test('the reserved headers are the host, the pseudo-headers, the body length and the hop-by-hop headers', () => {
    expect(PSEUDO_HEADERS).toEqual([':method', ':scheme', ':authority', ':path', ':status']);
    expect(RESERVED_HEADERS).toEqual(reserved);
  });
  test.each(reserved)('%p cannot be set', name => {
    expect(isSettableHeader(name)).toBe(false);
    expect(isSettableHeader(name.toUpperCase())).toBe(false);
  });
  test.each(['x-user', 'cookie', 'authorization', 'x-host', 'hosts'])('%p can be set', name => {
    expect(isSettableHeader(name)).toBe(true);
  });
  test('a non-string is not a header name', () => {
    expect(isSettableHeader(42)).toBe(false);
    expect(isSettableHeader(undefined)).toBe(false);
  });
});

describe('limits', () => {
  test('Istio regexes are at most 1024 characters; Envoy request headers at most 60 KiB', () => {
    expect(MAX_REGEX_LENGTH).toBe(1024);
    expect(MAX_REQUEST_HEADERS_BYTES).toBe(61_440);
  });
});

describe('retry conditions', () => {
  const conditions = [
    '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
    'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
    'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
  ];
  const statuses = [
    100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
    400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
    421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
  ];
  test('the Envoy conditions and the status codes Go knows', () => {
    expect(RETRY_CONDITIONS).toEqual(conditions);
    expect([...KNOWN_HTTP_STATUS].sort((a, b) => a - b)).toEqual(statuses);
  });
  test.each(conditions)('%p is a retry condition', c => {
    expect(isRetryCondition(c)).toBe(true);
  });
  test.each(['503', '418', '100', '511', '0503'])('status %p is a retry condition', c => {
    expect(isRetryCondition(c)).toBe(true);
  });
  test.each(['419', '399', '509', '600', '0', '5xx ', ' 503', '503a', 'a503', '5XX', 'retriable-5xx', ''])('%p is not', c => {
    expect(isRetryCondition(c)).toBe(false);
  });
});

describe('gRPC status names', () => {
  test('are the 17 gRPC codes in order', () => {
    expect(GRPC_STATUS_NAMES).toEqual([
      'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
      'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS',
      'UNAUTHENTICATED',
    ]);
  });
});

describe('container image references', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  test.each([
    'nginx', 'nginx:1.25', 'nginx:latest', 'library/nginx', 'registry.example.com:5000/team/app:1.2', 'localhost/app', 'Registry.Example.com/app',
    'my_app', 'my__app', 'my-app', 'my--app', 'my.app', 'a0/b1/c2', `nginx@${digest}`, `nginx:1.25@${digest}`, `app@sha256:${'F'.repeat(32)}`,
    `nginx:${'t'.repeat(128)}`, 'nginx:_tag', 'nginx:1.2-rc.1', `${'a/'.repeat(2047)}aa`,
  ])('accepts %p', s => {
    expect(isImageReference(s)).toBe(true);
  });
  test('the longest accepted reference is 4096 characters', () => {
    expect(`${'a/'.repeat(2047)}aa`).toHaveLength(4096);
    expect(isImageReference(`${'a/'.repeat(2047)}aaa`)).toBe(false);
  });
  test.each([
    '', 'Nginx', 'nginx:', ':tag', 'nginx:-tag', 'nginx:.tag', `nginx:${'t'.repeat(129)}`, 'nginx@sha256:abc', `nginx@${'a'.repeat(64)}`,
    `nginx@1sha:${'a'.repeat(64)}`, `nginx@sha256:${'g'.repeat(64)}`, 'app_', '_app', 'a___b', 'a-', 'a/-b', '-a', 'a//b', '/a', 'a/',
    'nginx latest', 'reg.example.com:port/app', 42, ['nginx'],
  ])('refuses %p', s => {
    expect(isImageReference(s)).toBe(false);
  });
});

describe('environment variable names', () => {
  test.each(['FOO', 'a.b-c', '!', '<', '>', '~', '_1'])('accepts %p', s => {
    expect(isEnvName(s)).toBe(true);
  });
  test.each(['', 'A=B', '=', 'A B', '\x7f', 'é', 'A\tB', ['FOO'], 1])('refuses %p', s => {
    expect(isEnvName(s)).toBe(false);
  });
});

describe('the library error', () => {
  test('names the construct path, field, value, problem and fix', () => {
    const e = new IstioTrafficError('app/chart', 'port', '0', 'is not a port number', 'Use 1 to 65535');
    expect(e.message).toBe('[app/chart] port: 0 is not a port number. Use 1 to 65535');
    expect(e.name).toBe('IstioTrafficError');
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ constructPath: 'app/chart', field: 'port', value: '0', problem: 'is not a port number', fix: 'Use 1 to 65535' });
  });
  test('leaves the value out of the message when it is empty', () => {
    expect(new IstioTrafficError('c', 'f', '', 'conflicts', 'Fix it').message).toBe('[c] f: conflicts. Fix it');
  });
  test('is recognised across copies of the package by a shared symbol', () => {
    const e = new IstioTrafficError('c', 'f', 'v', 'p', 'x');
    expect((e as any)[Symbol.for('cdk8s-istio-traffic.IstioTrafficError')]).toBe(true);
    expect(IstioTrafficError.isIstioTrafficError(e)).toBe(true);
    expect(IstioTrafficError.isIstioTrafficError({ [Symbol.for('cdk8s-istio-traffic.IstioTrafficError')]: true })).toBe(true);
  });
  test.each([null, undefined, 'IstioTrafficError', 42, {}, new Error('x'), () => 1])('%p is not one', x => {
    expect(IstioTrafficError.isIstioTrafficError(x)).toBe(false);
  });
});

describe('values in messages', () => {
  const circular: any = {};
  circular.self = circular;
  test.each([
    ['a', "'a'"], ['', "''"], [undefined, 'undefined'], [null, 'null'], [5, '5'], [1.5, '1.5'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
    [NaN, 'NaN'], [true, 'true'], [{ a: 1 }, '{"a":1}'], [[1, 'x'], '[1,"x"]'], [Symbol('s'), 'Symbol(s)'], [BigInt(10), '10'],
    [circular, '[object Object]'],
    // Control characters are escaped as in JSON: seen, and the message stays one line.
    ['a\tb\nc', "'a\\tb\\nc'"], ['\u0000\u001f\u007f', "'\\u0000\\u001f\\u007f'"], ['é ☃', "'é ☃'"],
  ])('%p is shown as %p', (v, s) => {
    expect(show(v)).toBe(s);
  });
  test('a function is shown as its source', () => {
    const f = function named() { return 1; };
    expect(show(f)).toBe(String(f));
  });
});

describe('construct paths and failures', () => {
  test('the path of a construct, of the root and of a string', () => {
    const app = Testing.app();
    expect(pathOf(new Chart(app, 'test'))).toBe('test');
    expect(pathOf(app)).toBe('<app>');
    expect(pathOf('some/path')).toBe('some/path');
  });
  test('fail throws the library error with the value shown', () => {
    const e = thrown(() => fail(newChart(), 'versions[0].name', 'V2', 'is not a DNS-1123 label', 'Use lower case'));
    expect(e.message).toBe("[test] versions[0].name: 'V2' is not a DNS-1123 label. Use lower case");
    expect(e).toMatchObject({ constructPath: 'test', field: 'versions[0].name', value: "'V2'" });
  });
  test('failWith throws the library error without a value', () => {
    const e = thrown(() => failWith('a/b', 'hosts', 'is served twice', 'Serve it once'));
    expect(e.message).toBe('[a/b] hosts: is served twice. Serve it once');
    expect(e.value).toBe('');
  });
});

describe('construct input checks', () => {
  test('DNS-1123 labels', () => {
    expect(() => checkDnsLabel(newChart(), 'name', 'v2')).not.toThrow();
    expect(() => checkDnsLabel(newChart(), 'name', 'V2')).toThrow(exactly(
      "[test] name: 'V2' is not a DNS-1123 label. Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'v2', 'reviews')"));
  });
  test('DNS-1123 subdomains', () => {
    expect(() => checkDnsSubdomain(newChart(), 'name', 'a.b')).not.toThrow();
    expect(() => checkDnsSubdomain(newChart(), 'name', 'a_b')).toThrow(exactly(
      "[test] name: 'a_b' is not a valid Kubernetes object name (DNS-1123 subdomain). Use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"));
  });
  test('ports', () => {
    expect(() => checkPort(newChart(), 'port', 1)).not.toThrow();
    expect(() => checkPort(newChart(), 'port', 65535)).not.toThrow();
    expect(() => checkPort(newChart(), 'port', 65536)).toThrow(exactly('[test] port: 65536 is not a port number. Use a whole number from 1 to 65535'));
    expect(() => checkPort(newChart(), 'port', 0)).toThrow(exactly('[test] port: 0 is not a port number. Use a whole number from 1 to 65535'));
  });
  test('whole numbers with a minimum', () => {
    expect(() => checkWholeNumber(newChart(), 'n', 3, 3)).not.toThrow();
    expect(() => checkWholeNumber(newChart(), 'n', 0, 0)).not.toThrow();
    for (const bad of [2, 3.5, '3', NaN]) {
      expect(() => checkWholeNumber(newChart(), 'n', bad, 3)).toThrow(exactly(`[test] n: ${show(bad)} is not a whole number >= 3. Use a whole number of at least 3`));
    }
  });
  test.each(['constructor', '__proto__'])('the key %p cannot be written to a manifest', key => {
    expect(() => checkRenderableKey(newChart(), 'headers', key)).toThrow(exactly(
      `[test] headers: '${key}' is a key cdk8s cannot write to a manifest (its renderer treats it as part of the JavaScript object, not as data). `
      + 'Use another name; for a header or label you do not control, match it with a different condition'));
  });
  test.each(['toString', 'hasOwnProperty', 'app'])('the key %p can', key => {
    expect(() => checkRenderableKey(newChart(), 'headers', key)).not.toThrow();
  });
  test('labels', () => {
    expect(() => checkLabels(newChart(), 'labels', { 'app': 'web', 'app.kubernetes.io/version': '', 'toString': 'x' })).not.toThrow();
    expect(() => checkLabels(newChart(), 'labels', JSON.parse('{"__proto__": "x"}'))).toThrow(/^\[test\] labels key: '__proto__' is a key cdk8s cannot write/);
    expect(() => checkLabels(newChart(), 'labels', { '-app': 'web' })).toThrow(exactly(
      "[test] labels key: '-app' is not a valid label key. Use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.' (e.g. 'version')"));
    expect(() => checkLabels(newChart(), 'labels', { app: 'web', version: 'v 1' })).toThrow(exactly(
      "[test] labels.version: 'v 1' is not a valid label value. Use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"));
  });
});

describe('Istio durations', () => {
  test.each([
    [Duration.millis(1), '1ms'], [Duration.millis(250), '250ms'], [Duration.millis(1500), '1500ms'], [Duration.seconds(1), '1s'],
    [Duration.seconds(7), '7s'], [Duration.millis(90_000), '90s'], [Duration.minutes(3), '3m'], [Duration.seconds(5400), '90m'],
    [Duration.hours(2), '2h'], [Duration.minutes(120), '2h'], [Duration.millis(MAX_GO_DURATION_MS), `${MAX_GO_DURATION_MS}ms`],
  ])('%p is written %p', (d, s) => {
    expect(istioDuration(newChart(), 'timeout', d)).toBe(s);
  });
  test.each([[Duration.millis(0), '0ms'], [Duration.millis(0.5), '0.5ms'], [Duration.millis(1.5), '1.5ms'], [Duration.millis(0.999), '0.999ms']])(
    '%p is refused', (d, shown) => {
      expect(() => istioDuration(newChart(), 'timeout', d)).toThrow(exactly(
        `[test] timeout: '${shown}' is not a whole number of milliseconds of at least 1 ms, which Istio requires. `
        + 'Use e.g. Duration.millis(250), Duration.seconds(7) or Duration.minutes(3); omit the field to disable it'));
    });
  test('a duration longer than Go can represent is refused', () => {
    expect(() => istioDuration(newChart(), 'timeout', Duration.millis(MAX_GO_DURATION_MS + 1))).toThrow(exactly(
      "[test] timeout: '106751 days 23 hours' is longer than a Go duration can be (about 2,562,047 hours), so Istio cannot parse it. "
      + 'Use a shorter duration; omit the field to disable it'));
  });
});

describe('host expansion', () => {
  test('the cluster suffix and default namespace', () => {
    expect(CLUSTER_SUFFIX).toBe('svc.cluster.local');
    expect(DEFAULT_NAMESPACE).toBe('default');
  });
  test.each([
    [{ metadata: { namespace: 'shop' } }, 'shop'], [{ metadata: {} }, 'default'], [{}, 'default'], [undefined, 'default'], [null, 'default'],
    [{ metadata: { namespace: 5 } }, 'default'], [{ metadata: null }, 'default'],
  ])('the namespace of %p is %p', (obj, ns) => {
    expect(namespaceOf(obj)).toBe(ns);
  });
  test.each([
    ['reviews', 'reviews.shop.svc.cluster.local'], ['*', '*'], ['reviews.other', 'reviews.other'], ['reviews.shop.svc', 'reviews.shop.svc'],
    ['example.com.', 'example.com'], ['*.example.com', '*.example.com'], ['a.b.c', 'a.b.c'],
  ])('Istio expands %p in namespace shop to %p', (host, expanded) => {
    expect(istioHost(host, 'shop')).toBe(expanded);
  });
  test.each([
    ['reviews', 'reviews.shop.svc.cluster.local'], ['reviews.other', 'reviews.other.svc.cluster.local'],
    ['reviews.other.svc', 'reviews.other.svc.cluster.local'], ['reviews.other.svc.cluster.local', 'reviews.other.svc.cluster.local'],
    ['reviews.other.svc.cluster.local.', 'reviews.other.svc.cluster.local'], ['a.b.c', 'a.b.c'], ['a.b.c.', 'a.b.c'],
    ['www.example.com', 'www.example.com'], ['*', '*'], ['*.example.com', '*.example.com'],
    // A trailing dot makes a name absolute: no search path, so a short name stays short (and names no Service).
    ['reviews.', 'reviews'], ['reviews.other.', 'reviews.other'], ['reviews.other.svc.', 'reviews.other.svc'],
  ])('Kubernetes DNS resolves %p from namespace shop to %p', (host, fqdn) => {
    expect(qualifyHost(host, 'shop')).toBe(fqdn);
  });
  test('Service FQDNs', () => {
    expect(serviceFqdn('reviews', 'shop')).toBe('reviews.shop.svc.cluster.local');
    expect(serviceFqdn('reviews', undefined)).toBe('reviews.default.svc.cluster.local');
  });
  test.each([
    ['shop', 'shop', 'reviews'], ['shop', 'other', 'reviews.other.svc.cluster.local'], [undefined, undefined, 'reviews'],
    [undefined, 'default', 'reviews'], ['default', undefined, 'reviews'], ['shop', undefined, 'reviews.default.svc.cluster.local'],
    [undefined, 'shop', 'reviews.shop.svc.cluster.local'],
  ])('from namespace %p, Service reviews in %p is %p', (from, ns, host) => {
    expect(serviceHostFrom(from, 'reviews', ns)).toBe(host);
  });
  test.each([
    ['*', 'example.com'], ['*.example.com', 'a.example.com'], ['*.example.com', 'a.b.example.com'], ['*.Example.COM', 'A.example.com'],
    ['example.com.', 'EXAMPLE.com'], ['example.com', 'example.com.'], ['*', ''],
  ])('%p matches %p', (pattern, host) => {
    expect(hostMatches(pattern, host)).toBe(true);
  });
  test.each([
    ['*.example.com', 'example.com'], ['*.example.com', '.example.com'], ['*.example.com', 'a.example.org'], ['a.com', 'b.com'],
    ['example.com', 'a.example.com'],
  ])('%p does not match %p', (pattern, host) => {
    expect(hostMatches(pattern, host)).toBe(false);
  });
  test('exact hosts beat the longest wildcard, which beats *', () => {
    expect(hostSpecificity('*')).toBe(0);
    expect(hostSpecificity('*.com')).toBe(5);
    expect(hostSpecificity('*.example.com')).toBe(13);
    expect(hostSpecificity('a.com')).toBe(100_005);
    const ordered = ['*', '*.com', '*.example.com', 'a.com', 'www.example.com'];
    expect([...ordered].reverse().sort((a, b) => hostSpecificity(a) - hostSpecificity(b))).toEqual(ordered);
  });
  test.each([
    ['*', 'anything.example.com'], ['*', '*'], ['*.example.com', 'a.example.com'], ['*.example.com', 'a.b.example.com'],
    ['*.example.com', '*.example.com'], ['*.example.com', '*.a.example.com'], ['example.com', 'example.com'],
  ])('server %p serves every request for %p', (server, host) => {
    expect(serverCovers(server, host)).toBe(true);
  });
  test.each([
    ['*.example.com', 'example.com'], ['*.example.com', '*.com'], ['*.example.com', '*'], ['*.a.example.com', '*.example.com'],
    ['*.example.com', 'a.example.org'], ['example.com', 'a.example.com'], ['example.com', '*'], ['example.com', '*.example.com'],
  ])('server %p does not serve all of %p', (server, host) => {
    expect(serverCovers(server, host)).toBe(false);
  });
  test.each([['*', 'all'], ['*.example.com', 'wildcard-example-com'], ['shop.example.com', 'shop-example-com'], ['reviews', 'reviews']])(
    'the slug of %p is %p', (host, slug) => {
      expect(hostSlug(host)).toBe(slug);
    });
});

describe('service protocols', () => {
  test('are named as Istio names port protocols', () => {
    expect({ ...ServiceProtocol }).toEqual({
      HTTP: 'http', HTTP2: 'http2', HTTPS: 'https', GRPC: 'grpc', GRPC_WEB: 'grpc-web', TCP: 'tcp', TLS: 'tls', MONGO: 'mongo', REDIS: 'redis', MYSQL: 'mysql',
    });
  });
  test.each([ServiceProtocol.HTTP, ServiceProtocol.HTTP2, ServiceProtocol.GRPC, ServiceProtocol.GRPC_WEB])('%p is routed with http rules', p => {
    expect(isHttpProtocol(p)).toBe(true);
  });
  test.each([ServiceProtocol.HTTPS, ServiceProtocol.TCP, ServiceProtocol.TLS, ServiceProtocol.MONGO, ServiceProtocol.REDIS, ServiceProtocol.MYSQL])(
    '%p is not', p => {
      expect(isHttpProtocol(p)).toBe(false);
    });
});

describe('RE2 regexes', () => {
  test('compile and full-match', () => {
    expect(re2('a+').matches('aaa')).toBe(true);
    expect(re2FullMatch('a', 'ab')).toBe(false);
    expect(re2FullMatch('a.*', 'ab')).toBe(true);
    expect(re2FullMatch('(?i)abc', 'ABC')).toBe(true);
  });
  test.each([
    ['(', 'error parsing regexp: missing closing ): `(`'],
    ['(?=a)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
    ['a{2,1}', 'error parsing regexp: invalid repeat count: `{2,1}`'],
  ])('%p is not RE2: %s', (pattern, error) => {
    expect(re2Error(pattern)).toBe(error);
    expect(() => re2FullMatch(pattern, 'a')).toThrow(error);
  });
  test.each(['a', '.*', '[a-z]+', '(?i)x'])('%p compiles', pattern => {
    expect(re2Error(pattern)).toBeUndefined();
  });
});

describe('structural equality of JSON values', () => {
  test.each([
    [{ a: 1, b: 2 }, { b: 2, a: 1 }], [[1, { b: 2, c: [3] }], [1, { c: [3], b: 2 }]], [null, null], ['x', 'x'], [{}, {}], [[], []],
  ])('%p equals %p', (a, b) => {
    expect(same(a, b)).toBe(true);
  });
  test.each([
    [[1, 2], [2, 1]], [[1, 2], [12]], [[1, 2], [1, 2, 3]], [null, {}], ['1', 1], [{ a: undefined }, {}], [{ a: 1 }, { b: 1 }], [{ a: 1 }, { a: 2 }],
    [{ a: 1, b: 2 }, { a: 12 }], [{ 'a': 1, 'b,"c"': 2 }, { a: 1, b: 2, c: 3 }], [[], {}], [{ a: [1] }, { a: 1 }],
  ])('%p differs from %p', (a, b) => {
    expect(same(a, b)).toBe(false);
  });
});

describe('match blocks covering match blocks', () => {
  test.each([
    ['a prefix / covers no uri condition', { uri: { prefix: '/' } }, {}],
    ['a .* regex covers no uri condition', { uri: { regex: '.*' } }, {}],
    ['a regex matching every probe covers no condition', { method: { regex: '[\\s\\S]*' } }, {}],
    ['an equal exact', { uri: { exact: '/a' } }, { uri: { exact: '/a' } }],
    ['a prefix covers a longer exact', { uri: { prefix: '/a' } }, { uri: { exact: '/a/b' } }],
    ['a prefix covers a longer prefix', { uri: { prefix: '/a' } }, { uri: { prefix: '/a/b' } }],
    ['a regex covers an exact it matches', { uri: { regex: '/a.*' } }, { uri: { exact: '/a/b' } }],
    ['a regex covers the same regex', { uri: { regex: '/a.*' } }, { uri: { regex: '/a.*' } }],
    ['.* covers another regex', { authority: { regex: '.*' } }, { authority: { regex: 'x' } }],
    ['.* covers a prefix', { scheme: { regex: '.*' } }, { scheme: { prefix: 'h' } }],
    ['both ignore the uri case', { uri: { exact: '/a' }, ignoreUriCase: true }, { uri: { exact: '/a' }, ignoreUriCase: true }],
    ['ignoreUriCase false is the default', { uri: { exact: '/a' }, ignoreUriCase: false }, { uri: { exact: '/a' } }],
    ['a universal uri ignores the case', { uri: { prefix: '/' }, ignoreUriCase: true }, { uri: { exact: '/x' } }],
    ['a universal uri covers a case-insensitive one', { uri: { prefix: '/' } }, { uri: { prefix: '/x' }, ignoreUriCase: true }],
    ['ignoreUriCase affects only the uri', { authority: { exact: 'h' } }, { authority: { exact: 'h' }, ignoreUriCase: true }],
    ['a header subset', { headers: { x: { exact: '1' } } }, { headers: { x: { exact: '1' }, y: { exact: '2' } } }],
    ['a presence match covers any value', { headers: { x: {} } }, { headers: { x: { regex: 'a+' } } }],
    ['no headers', { headers: undefined }, {}],
    ['a query parameter', { queryParams: { q: { prefix: 'a' } } }, { queryParams: { q: { exact: 'ab' } } }],
    ['b excludes the header entirely', { withoutHeaders: { x: { exact: '1' } } }, { withoutHeaders: { x: {} } }],
    ['b excludes the header the same way', { withoutHeaders: { x: { exact: '1' } } }, { withoutHeaders: { x: { exact: '1' } } }],
    ['no excluded headers', { withoutHeaders: undefined }, {}],
    ['a source label subset', { sourceLabels: { app: 'a' } }, { sourceLabels: { app: 'a', v: '1' } }],
    ['no source labels', { sourceLabels: undefined }, {}],
    ['names differ', { name: 'x' }, { name: 'y' }],
    ['ignoreUriCase alone', { ignoreUriCase: true }, {}],
    ['an equal port', { port: 80 }, { port: 80 }],
    ['equal gateways', { gateways: ['g1', 'g2'] }, { gateways: ['g1', 'g2'] }],
    // The API server prunes null fields, and YAML writes `x:` without a value as null: no condition.
    ['null fields of a are no conditions', { uri: null, headers: { x: null, y: { exact: '1' } }, withoutHeaders: { z: null } }, { headers: { y: { exact: '1' } } }],
    ['undefined fields of a are no conditions', { uri: undefined, method: undefined }, {}],
  ])('%s', (_, a, b) => {
    expect(covers(a, b)).toBe(true);
  });
  test.each([
    ['a longer prefix does not cover no condition', { uri: { prefix: '/api' } }, {}],
    ['a prefix / on the authority is a condition', { authority: { prefix: '/' } }, {}],
    ['a regex missing the empty path', { uri: { regex: '/.*' } }, {}],
    ['an invalid regex', { uri: { regex: '(' } }, {}],
    ['an exact condition is not universal', { method: { exact: 'GET' } }, {}],
    ['a different exact', { uri: { exact: '/a' } }, { uri: { exact: '/b' } }],
    ['an exact does not cover a prefix', { uri: { exact: '/a' } }, { uri: { prefix: '/a' } }],
    ['a prefix does not cover another exact', { uri: { prefix: '/a' } }, { uri: { exact: '/b' } }],
    ['a prefix does not cover a shorter prefix', { uri: { prefix: '/a' } }, { uri: { prefix: '/' } }],
    ['a prefix does not cover a regex', { uri: { prefix: '/a' } }, { uri: { regex: '/a.*' } }],
    ['a regex does not cover an exact it misses', { uri: { regex: '/a.*' } }, { uri: { exact: '/b' } }],
    ['an invalid regex covers no exact', { uri: { regex: '(' } }, { uri: { exact: '(' } }],
    ['a regex does not cover another regex', { uri: { regex: '/a.*' } }, { uri: { regex: '/a/.*' } }],
    ['a regex other than .* does not cover a prefix', { uri: { regex: '/a.*' } }, { uri: { prefix: '/a' } }],
    ['a value does not cover a presence match', { headers: { x: { exact: '1' } } }, { headers: { x: {} } }],
    ['case-sensitive does not cover case-insensitive', { uri: { exact: '/a' } }, { uri: { exact: '/a' }, ignoreUriCase: true }],
    ['case-insensitive is conservatively not taken to cover case-sensitive', { uri: { exact: '/a' }, ignoreUriCase: true }, { uri: { exact: '/a' } }],
    ['a header b lacks', { headers: { x: { exact: '1' } } }, {}],
    ['a header b matches differently', { headers: { x: { exact: '1' } } }, { headers: { x: { prefix: '1' } } }],
    ['a query parameter b lacks', { queryParams: { q: { exact: '1' } } }, { queryParams: {} }],
    ['b does not exclude the header', { withoutHeaders: { x: { exact: '1' } } }, {}],
    ['b excludes another value', { withoutHeaders: { x: { exact: '1' } } }, { withoutHeaders: { x: { exact: '2' } } }],
    ['b excludes nothing for the header', { withoutHeaders: { x: { exact: '1' } } }, { withoutHeaders: { x: null } }],
    ['a source label b lacks', { sourceLabels: { app: 'a' } }, {}],
    ['a different source label', { sourceLabels: { app: 'a' } }, { sourceLabels: { app: 'b' } }],
    ['a different port', { port: 80 }, { port: 81 }],
    ['a port b lacks', { port: 80 }, {}],
    ['gateways in another order', { gateways: ['g1', 'g2'] }, { gateways: ['g2', 'g1'] }],
    ['a malformed string matcher covers nothing', { headers: { x: '1' } }, { headers: { x: { exact: '1' } } }],
    ['a header b has as null (no condition)', { headers: { x: { exact: '1' } } }, { headers: { x: null } }],
    ['a uri b has as null (no condition)', { uri: { exact: '/a' } }, { uri: null }],
    ['a matcher that is not an object covers nothing, nor is it covered', { headers: { x: { exact: '1' } } }, { headers: { x: 'x' } }],
  ])('%s', (_, a, b) => {
    expect(covers(a, b)).toBe(false);
  });
  test.each([
    ['.+', ''], ['|[^/].*|/.+', '/'], ['[^?]*', '/a/b?c=d'], ['[^T]*', 'GET'], ['[^h]*', 'http'], ['[^:]*', 'example.com:8080'],
    ['\\S*', ' '], ['[\\x00-\\x7f]*', '\u00e9\u2603'], ['[^%]*', 'Z9_-.~%20'],
  ])('the regex %p misses %p, so it is not taken to match every request', (regex, missed) => {
    expect(re2FullMatch(regex, missed)).toBe(false);
    expect(re2FullMatch(regex, '/b')).toBe(true);
    expect(covers({ uri: { regex } }, {})).toBe(false);
  });
  test.each([
    [{}, true], [{ uri: { prefix: '/' } }, true], [{ uri: { prefix: '/' }, method: { regex: '.*' }, name: 'all' }, true],
    [{ ignoreUriCase: true }, true], [{ uri: { prefix: '/a' } }, false], [{ headers: { x: {} } }, false], [{ port: 80 }, false],
  ])('%p takes every request: %p', (block, every) => {
    expect(takesEveryRequest(block)).toBe(every);
  });
});

describe('PeerAuthentication composition', () => {
  const workload = { namespace: 'shop', labels: { app: 'web', version: 'v1' } };
  function pa(namespace: string | undefined, spec: any): any {
    return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'p', ...(namespace ? { namespace } : {}) }, spec };
  }
  test('the root namespace is istio-system', () => {
    expect(ROOT_NAMESPACE).toBe('istio-system');
  });
  test.each([
    [{ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication' }, true],
    [{ apiVersion: 'security.istio.io/v1beta1', kind: 'PeerAuthentication' }, true],
    [{ apiVersion: 'networking.istio.io/v1', kind: 'PeerAuthentication' }, false],
    [{ apiVersion: 'xsecurity.istio.io/v1', kind: 'PeerAuthentication' }, false],
    [{ apiVersion: 'securityXistio.io/v1', kind: 'PeerAuthentication' }, false],
    [{ apiVersion: 'security.istio.io', kind: 'PeerAuthentication' }, false],
    [{ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy' }, false],
    [{ kind: 'PeerAuthentication' }, false], [{}, false], [undefined, false], [null, false],
  ])('%p is a PeerAuthentication: %p', (m, is) => {
    expect(isPeerAuthentication(m)).toBe(is);
  });
  test('without a policy the sidecar is PERMISSIVE', () => {
    expect(peerModeOf([], workload)).toStrictEqual({ mode: 'PERMISSIVE' });
  });
  test('a mesh-wide policy applies to every namespace', () => {
    const mesh = pa('istio-system', { mtls: { mode: 'STRICT' } });
    expect(peerModeOf([mesh], workload)).toStrictEqual({ mode: 'STRICT', policy: mesh });
  });
  test('a root-namespace policy with a selector is not mesh-wide', () => {
    const selective = pa('istio-system', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } });
    expect(peerModeOf([selective], workload)).toStrictEqual({ mode: 'PERMISSIVE' });
  });
  test('the namespace policy beats the mesh policy', () => {
    const mesh = pa('istio-system', { mtls: { mode: 'STRICT' } });
    const ns = pa('shop', { selector: { matchLabels: {} }, mtls: { mode: 'DISABLE' } });
    expect(peerModeOf([mesh, ns], workload)).toStrictEqual({ mode: 'DISABLE', policy: ns });
  });
  test('a policy of another namespace does not apply', () => {
    const other = pa('other', { mtls: { mode: 'STRICT' } });
    const otherWorkload = pa('other', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } });
    expect(peerModeOf([other, otherWorkload], workload)).toStrictEqual({ mode: 'PERMISSIVE' });
  });
  test('a policy without a namespace is in default', () => {
    const ns = pa(undefined, { mtls: { mode: 'STRICT' } });
    expect(peerModeOf([ns], { namespace: 'default', labels: {} })).toStrictEqual({ mode: 'STRICT', policy: ns });
    expect(peerModeOf([ns], workload)).toStrictEqual({ mode: 'PERMISSIVE' });
  });
  test('the workload policy beats the namespace policy', () => {
    const ns = pa('shop', { mtls: { mode: 'STRICT' } });
    const wl = pa('shop', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'PERMISSIVE' } });
    expect(peerModeOf([ns, wl], workload)).toStrictEqual({ mode: 'PERMISSIVE', policy: wl });
  });
  test('a selector must match every label', () => {
    const ns = pa('shop', { mtls: { mode: 'STRICT' } });
    const wl = pa('shop', { selector: { matchLabels: { app: 'web', version: 'v2' } }, mtls: { mode: 'DISABLE' } });
    const other = pa('shop', { selector: { matchLabels: { app: 'api' } }, mtls: { mode: 'DISABLE' } });
    expect(peerModeOf([wl, other, ns], workload)).toStrictEqual({ mode: 'STRICT', policy: ns });
  });
  test('in the root namespace, selector policies do not apply to workloads; the mesh policy does', () => {
    const selective = pa('istio-system', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } });
    const mesh = pa('istio-system', { mtls: { mode: 'DISABLE' } });
    expect(peerModeOf([selective, mesh], { namespace: 'istio-system', labels: { app: 'web' } })).toStrictEqual({ mode: 'DISABLE', policy: mesh });
  });
  test('the port-level mode of the workload policy comes first for its port', () => {
    const ns = pa('shop', { mtls: { mode: 'DISABLE' } });
    const wl = pa('shop', {
      selector: { matchLabels: { app: 'web' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { 8080: { mode: 'DISABLE' }, 9000: { mode: 'UNSET' } },
    });
    expect(peerModeOf([ns, wl], workload, 8080)).toStrictEqual({ mode: 'DISABLE', policy: wl });
    expect(peerModeOf([ns, wl], workload, 9000)).toStrictEqual({ mode: 'STRICT', policy: wl });
    expect(peerModeOf([ns, wl], workload, 9090)).toStrictEqual({ mode: 'STRICT', policy: wl });
    expect(peerModeOf([ns, wl], workload)).toStrictEqual({ mode: 'STRICT', policy: wl });
  });
  test('a workload policy without port-level modes decides every port', () => {
    const wl = pa('shop', { selector: { matchLabels: { app: 'web' } }, mtls: { mode: 'STRICT' } });
    expect(peerModeOf([wl], workload, 8080)).toStrictEqual({ mode: 'STRICT', policy: wl });
  });
  test('a workload policy with only port-level modes inherits for other ports', () => {
    const ns = pa('shop', { mtls: { mode: 'DISABLE' } });
    const wl = pa('shop', { selector: { matchLabels: { app: 'web' } }, portLevelMtls: { 8080: { mode: 'STRICT' } } });
    expect(peerModeOf([ns, wl], workload, 8080)).toStrictEqual({ mode: 'STRICT', policy: wl });
    expect(peerModeOf([ns, wl], workload, 9090)).toStrictEqual({ mode: 'DISABLE', policy: ns });
    expect(peerModeOf([ns, wl], workload)).toStrictEqual({ mode: 'DISABLE', policy: ns });
  });
  test('UNSET, no mode or a mode that is not a string inherits from the level above', () => {
    const mesh = pa('istio-system', { mtls: { mode: 'STRICT' } });
    for (const spec of [{ mtls: { mode: 'UNSET' } }, { mtls: {} }, {}, undefined, { mtls: { mode: 5 } }]) {
      const ns = pa('shop', spec);
      const wl = pa('shop', { ...spec, selector: { matchLabels: { app: 'web' } } });
      expect(peerModeOf([wl, ns, mesh], workload)).toStrictEqual({ mode: 'STRICT', policy: mesh });
    }
  });
  test('only the oldest policy of a level counts, also when it sets no mode', () => {
    const older = pa('shop', { mtls: { mode: 'UNSET' } });
    const newer = pa('shop', { mtls: { mode: 'STRICT' } });
    expect(peerModeOf([older, newer], workload)).toStrictEqual({ mode: 'PERMISSIVE' });
    const olderWl = pa('shop', { selector: { matchLabels: { app: 'web' } } });
    const newerWl = pa('shop', { selector: { matchLabels: { version: 'v1' } }, mtls: { mode: 'STRICT' } });
    expect(peerModeOf([olderWl, newerWl], workload)).toStrictEqual({ mode: 'PERMISSIVE' });
    const olderMesh = pa('istio-system', {});
    const newerMesh = pa('istio-system', { mtls: { mode: 'STRICT' } });
    expect(peerModeOf([olderMesh, newerMesh], workload)).toStrictEqual({ mode: 'PERMISSIVE' });
  });
});

describe('run-time shapes of props', () => {
  test('strings', () => {
    expect(T.string()).toMatchObject({ what: 'a string', fix: 'Pass a string' });
    expect(() => T.string().check(newChart(), 'name', 'x')).not.toThrow();
    expect(() => T.string().check(newChart(), 'name', 5)).toThrow(exactly('[test] name: 5 is not a string. Pass a string'));
    expect(() => T.string('Pass a name').check('p', 'name', null)).toThrow(exactly('[p] name: null is not a string. Pass a name'));
  });
  test.each([
    [{}, 'a finite number'], [{ integer: true }, 'a whole number'], [{ min: 0 }, 'a finite number >= 0'], [{ max: 0 }, 'a finite number <= 0'],
    [{ integer: true, min: 1, max: 100 }, 'a whole number >= 1 <= 100'],
  ])('numbers %p are %p', (opts, what) => {
    expect(T.number(opts)).toMatchObject({ what, fix: `Pass ${what}` });
  });
  test('number bounds', () => {
    const percent = T.number({ integer: true, min: 0, max: 100 });
    for (const ok of [0, 1, 100]) { expect(() => percent.check('p', 'weight', ok)).not.toThrow(); }
    for (const bad of [-1, 101, 1.5, NaN, Infinity, '5']) {
      expect(() => percent.check('p', 'weight', bad)).toThrow(exactly(`[p] weight: ${show(bad)} is not a whole number >= 0 <= 100. Pass a whole number >= 0 <= 100`));
    }
    const ratio = T.number({ min: 0.5, max: 1, fix: 'Pass a ratio' });
    expect(ratio.fix).toBe('Pass a ratio');
    for (const ok of [0.5, 0.75, 1]) { expect(() => ratio.check('p', 'r', ok)).not.toThrow(); }
    for (const bad of [0.49, 1.01, -Infinity]) { expect(() => ratio.check('p', 'r', bad)).toThrow(/is not a finite number >= 0.5 <= 1. Pass a ratio$/); }
    expect(() => T.number().check('p', 'n', -1e300)).not.toThrow();
    expect(() => T.number().check('p', 'n', 2.5)).not.toThrow();
    expect(() => T.number().check('p', 'n', NaN)).toThrow(exactly('[p] n: NaN is not a finite number. Pass a finite number'));
  });
  test('booleans', () => {
    expect(() => T.boolean().check('p', 'on', true)).not.toThrow();
    expect(() => T.boolean().check('p', 'on', false)).not.toThrow();
    expect(() => T.boolean().check('p', 'on', 'true')).toThrow(exactly("[p] on: 'true' is not true or false. Pass true or false"));
  });
  test('enum members', () => {
    const shape = T.enumOf(ServiceProtocol, 'ServiceProtocol');
    expect(shape.what).toBe('a ServiceProtocol');
    expect(() => shape.check('p', 'protocol', 'grpc-web')).not.toThrow();
    expect(() => shape.check('p', 'protocol', 'HTTP')).toThrow(exactly(
      "[p] protocol: 'HTTP' is not a ServiceProtocol. Use one of ServiceProtocol.HTTP, ServiceProtocol.HTTP2, ServiceProtocol.HTTPS, "
      + 'ServiceProtocol.GRPC, ServiceProtocol.GRPC_WEB, ServiceProtocol.TCP, ServiceProtocol.TLS, ServiceProtocol.MONGO, ServiceProtocol.REDIS, '
      + 'ServiceProtocol.MYSQL'));
  });
  test.each([['Item', 'an Item'], ['item', 'an item'], ['Unit', 'an Unit'], ['Box', 'a Box'], ['box', 'a box'], ['Yak', 'a Yak']])(
    'the article of %p: %p', (name, what) => {
      expect(T.enumOf({ A: 'a' }, name).what).toBe(what);
    });
  test('instances of value classes', () => {
    const isFoo = (v: unknown) => (v as any).kind === 'foo';
    const shape = T.instance('Foo', isFoo, 'Use Foo.of()');
    expect(shape).toMatchObject({ what: 'a Foo', fix: 'Use Foo.of()' });
    expect(() => shape.check('p', 'foo', { kind: 'foo' })).not.toThrow();
    for (const bad of [null, { kind: 'bar' }, Object.assign(() => 1, { kind: 'foo' }), 'foo']) {
      expect(() => shape.check('p', 'foo', bad)).toThrow(exactly(`[p] foo: ${show(bad)} is not a Foo. Use Foo.of()`));
    }
  });
  test('cdk8s durations, recognised by their methods', () => {
    const shape = T.duration();
    expect(shape).toMatchObject({ what: 'a cdk8s Duration', fix: 'Pass a cdk8s Duration, e.g. Duration.seconds(5)' });
    expect(T.duration('Pass a timeout').fix).toBe('Pass a timeout');
    expect(() => shape.check('p', 'timeout', Duration.seconds(5))).not.toThrow();
    expect(() => shape.check('p', 'timeout', { toMilliseconds: () => 1, toSeconds: () => 0 })).not.toThrow();
    for (const bad of [null, 5, '5s', { toMilliseconds: () => 1 }, { toSeconds: () => 1 }, { toMilliseconds: 1, toSeconds: () => 1 },
      { toMilliseconds: () => 1, toSeconds: 1 }, Object.assign(() => 1, { toMilliseconds: () => 1, toSeconds: () => 1 })]) {
      expect(() => shape.check('p', 'timeout', bad)).toThrow(exactly(`[p] timeout: ${show(bad)} is not a cdk8s Duration. Pass a cdk8s Duration, e.g. Duration.seconds(5)`));
    }
  });
  test('constructs', () => {
    const shape = T.construct('Pass a CanaryService');
    expect(shape).toMatchObject({ what: 'a construct', fix: 'Pass a CanaryService' });
    expect(() => shape.check('p', 'service', newChart())).not.toThrow();
    expect(() => shape.check('p', 'service', { node: {} })).not.toThrow();
    for (const bad of [null, 'svc', { node: null }, { node: 'x' }, {}, Object.assign(() => 1, { node: {} })]) {
      expect(() => shape.check('p', 'service', bad)).toThrow(exactly(`[p] service: ${show(bad)} is not a construct. Pass a CanaryService`));
    }
  });
  test('any value', () => {
    expect(T.any()).toMatchObject({ what: 'a value', fix: '' });
    expect(() => T.any().check('p', 'x', null)).not.toThrow();
  });
  test('lists', () => {
    const hosts = T.array(T.string());
    expect(hosts).toMatchObject({ what: 'a list of string items', fix: 'Pass a list (array) of string items' });
    expect(() => hosts.check('p', 'hosts', [])).not.toThrow();
    expect(() => hosts.check('p', 'hosts', ['a', 'b'])).not.toThrow();
    expect(() => hosts.check('p', 'hosts', 'a')).toThrow(exactly("[p] hosts: 'a' is not a list. Pass a list (array) of string items"));
    expect(() => hosts.check('p', 'hosts', ['a', 5])).toThrow(exactly('[p] hosts[1]: 5 is not a string. Pass a string'));
    const two = T.array(T.string(), { minLength: 2 });
    expect(two.what).toBe('a list of at least 2 string item(s)');
    expect(() => two.check('p', 'hosts', ['a', 'b'])).not.toThrow();
    expect(() => two.check('p', 'hosts', ['a'])).toThrow(exactly('[p] hosts: ["a"] has fewer than 2 item(s). Pass at least 2'));
    expect(() => two.check('p', 'hosts', [])).toThrow(exactly('[p] hosts: [] has fewer than 2 item(s). Pass at least 2'));
    const zero = T.array(T.enumOf({ A: 'a' }, 'Item'), { minLength: 0 });
    expect(zero).toMatchObject({ what: 'a list of Item items', fix: 'Pass a list (array) of Item items' });
    expect(() => zero.check('p', 'items', [])).not.toThrow();
  });
  test('maps', () => {
    const labels = T.map();
    expect(labels).toMatchObject({ what: 'a map of names to string values', fix: "Pass an object such as { name: 'value' }" });
    expect(() => labels.check('p', 'labels', { app: 'web' })).not.toThrow();
    expect(() => labels.check('p', 'labels', Object.assign(Object.create(null), { app: 'web' }))).not.toThrow();
    for (const bad of [[], new Date(0), null, 'x']) {
      expect(() => labels.check('p', 'labels', bad)).toThrow(exactly(`[p] labels: ${show(bad)} is not a map (a plain object). Pass an object such as { name: 'value' }`));
    }
    expect(() => labels.check('p', 'labels', { app: 5 })).toThrow(exactly('[p] labels.app: 5 is not a string. Pass a string'));
    const counts = T.map(T.number());
    expect(counts).toMatchObject({ what: 'a map of names to finite number values', fix: 'Pass an object such as { name: ... }' });
    expect(() => counts.check('p', 'counts', [])).toThrow(exactly('[p] counts: [] is not a map (a plain object). Pass an object such as { name: ... }'));
  });
  test.each([
    ['labels', 'x-y', 'labels.x-y'], ['labels', '$a', 'labels.$a'], ['labels', '_a9$-', 'labels._a9$-'], ['labels', 'a.b', 'labels["a.b"]'],
    ['labels', '1a', 'labels["1a"]'], ['labels', 'a b', 'labels["a b"]'], ['labels', '-a', 'labels["-a"]'], ['labels', '', 'labels[""]'],
    ['', 'app', 'app'], ['', 'a.b', 'props["a.b"]'],
  ])('in %p, the key %p is written %p', (field, key, path) => {
    expect(() => T.map().check('p', field, { [key]: 1 })).toThrow(exactly(`[p] ${path}: 1 is not a string. Pass a string`));
  });
  test('optional values', () => {
    const shape = T.optional(T.string());
    expect(shape).toMatchObject({ what: 'a string', fix: 'Pass a string' });
    expect(() => shape.check('p', 'name', undefined)).not.toThrow();
    expect(() => shape.check('p', 'name', 'x')).not.toThrow();
    expect(() => shape.check('p', 'name', 5)).toThrow(exactly('[p] name: 5 is not a string. Pass a string'));
    expect(() => shape.check('p', 'name', null)).toThrow(exactly('[p] name: null is null. Leave the field out (undefined) for the default, or pass a string'));
    expect(() => T.optional(T.any()).check('p', 'x', null)).toThrow(exactly('[p] x: null is null. Leave the field out (undefined) for the default, or give it a value'));
  });
  describe('structs', () => {
    const props = T.struct('ServiceProps', { name: T.string(), port: T.optional(T.number()), extra: T.any() }, "{ name: 'reviews' }");
    test('what and fix', () => {
      expect(props).toMatchObject({ what: 'a ServiceProps object', fix: "Pass the ServiceProps, e.g. { name: 'reviews' }" });
      expect(T.struct('Options', {}, '{}').what).toBe('an Options object');
    });
    test('accepts an object with every required field', () => {
      expect(() => props.check('p', '', { name: 'a', extra: 1 })).not.toThrow();
      expect(() => props.check('p', '', { name: 'a', port: 80, extra: 0, unknown: undefined })).not.toThrow();
      class Props { public readonly name = 'a'; public readonly extra = 1; }
      expect(() => props.check('p', '', new Props())).not.toThrow();
    });
    test.each([null, undefined, [], 'x', 5, () => 1])('refuses %p', v => {
      expect(() => props.check('p', '', v)).toThrow(exactly(`[p] props: ${show(v)} is not a ServiceProps object. Pass the ServiceProps, e.g. { name: 'reviews' }`));
      expect(() => props.check('p', 'options', v)).toThrow(exactly(`[p] options: ${show(v)} is not a ServiceProps object. Pass the ServiceProps, e.g. { name: 'reviews' }`));
    });
    test('refuses a field the struct does not have', () => {
      expect(() => props.check('p', '', { name: 'a', nmae: 'b', extra: 1 })).toThrow(exactly("[p] nmae: 'b' is not a field of ServiceProps. Use one of: name, port, extra"));
      expect(() => props.check('p', 'options', { name: 'a', toString: 'b', extra: 1 })).toThrow(
        exactly("[p] options.toString: 'b' is not a field of ServiceProps. Use one of: name, port, extra"));
    });
    test('refuses a missing or null required field', () => {
      expect(() => props.check('p', '', { extra: 1 })).toThrow(exactly('[p] name: undefined is required. Pass a string'));
      expect(() => props.check('p', 'options', { name: null, extra: 1 })).toThrow(exactly('[p] options.name: null is required. Pass a string'));
      expect(() => props.check('p', '', { name: 'a' })).toThrow(exactly('[p] extra: undefined is required. Pass a value'));
    });
    test('checks each field', () => {
      expect(() => props.check('p', '', { name: 'a', port: '80', extra: 1 })).toThrow(exactly("[p] port: '80' is not a finite number. Pass a finite number"));
      expect(() => props.check('p', '', { name: 'a', port: null, extra: 1 })).toThrow(/^\[p\] port: null is null\. /);
    });
    test('checkProps checks the props with field names of their own', () => {
      const chart = newChart();
      expect(() => checkProps(chart, { name: 'a', extra: 1 }, props)).not.toThrow();
      expect(() => checkProps(chart, { name: 7, extra: 1 }, props)).toThrow(exactly('[test] name: 7 is not a string. Pass a string'));
    });
  });
  test.each([
    [{}, true], [Object.create(null), true], [{ a: 1 }, true], [[], false], [null, false], [undefined, false], [new Date(0), false], ['x', false],
    [() => 1, false], [new (class X {})(), false],
  ])('%p is a plain object: %p', (v, plain) => {
    expect(isPlainObject(v)).toBe(plain);
  });
});

describe("IP addresses as Go's net.ParseIP reads them (Istio's IsValidIPAddress, Kubernetes' isIP())", () => {
  test.each(['200.1.1.1', '249.0.0.1', '224.0.0.251', '250.0.0.1', '199.1.1.1', '2001:db8::1', '::', '1:2:3:4:5:6:7:8'])('accepts %p', s => {
    expect(isIp(s)).toBe(true);
  });
  test.each(['2a0.1.1.1', '24a.1.1.1', '260.1.1.1'])('refuses %p', s => {
    expect(isIp(s)).toBe(false);
  });
  // Leading zeros in IPv4 (Go refuses them since 1.17: they read as octal elsewhere), a zone in IPv6,
  // and texts made of hex digits, ':' and '.' that are no address (a port after an IPv4 address).
  test.each(['01.2.3.4', '1.2.3.010', 'fe80::1%eth0', '::1g', '::1/128', '::1 ', '2001:db8::zz', ':', ':::::', 'cafe:', '1.2.3.4:80', '999.1:1', '1:2:3:4:5:6:7:8:9'])('refuses %p', s => {
    expect(isIp(s)).toBe(false);
  });
});

describe('run-time shapes: items described without a leading article', () => {
  // Only a leading 'a ' or 'an ' is dropped from an item's description; an 'a ' inside a word ending in 'a' (Kafka) stays.
  const topic: Shape = {
    what: 'Kafka topic',
    fix: 'Pass a topic name',
    check(scope, field, value) {
      if (typeof value !== 'string') { fail(scope, field, value, 'is not a Kafka topic', 'Pass a topic name'); }
    },
  };
  test('lists', () => {
    expect(T.array(topic)).toMatchObject({ what: 'a list of Kafka topic items', fix: 'Pass a list (array) of Kafka topic items' });
    expect(T.array(topic, { minLength: 1 }).what).toBe('a list of at least 1 Kafka topic item(s)');
    expect(() => T.array(topic).check('p', 'topics', 'orders')).toThrow(exactly("[p] topics: 'orders' is not a list. Pass a list (array) of Kafka topic items"));
    expect(() => T.array(topic).check('p', 'topics', ['orders', 1])).toThrow(exactly('[p] topics[1]: 1 is not a Kafka topic. Pass a topic name'));
  });
  test('maps', () => {
    expect(T.map(topic)).toMatchObject({ what: 'a map of names to Kafka topic values', fix: 'Pass an object such as { name: ... }' });
  });
  test('true or false has no article to drop', () => {
    expect(T.array(T.boolean()).what).toBe('a list of true or false items');
    expect(T.map(T.boolean()).what).toBe('a map of names to true or false values');
  });
  test('a leading article is dropped once, and only as a whole word', () => {
    expect(T.array(T.enumOf({ A: 'a' }, 'Ant')).what).toBe('a list of Ant items');
    expect(T.array(T.enumOf({ A: 'a' }, 'anaconda')).what).toBe('a list of anaconda items');
    expect(T.array(T.array(T.string())).what).toBe('a list of list of string items items');
  });
});

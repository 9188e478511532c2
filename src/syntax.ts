/**
 * The syntax facts the constructs and the analysis share, kept in one place so that what a
 * construct accepts and what the analysis reports can never drift apart.
 */

const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True for an RFC 7230 token: a valid HTTP header name (and cookie name). */
export function isHttpToken(s: unknown): boolean {
  return typeof s === 'string' && HTTP_TOKEN.test(s);
}

/** Quotes a literal for use inside an RE2 regular expression. */
export function re2Quote(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, m => `\\${m}`);
}

/**
 * An RE2 regex over the whole `Cookie` header that matches exactly the cookie `name=value`, anchored
 * on the cookie boundaries (`user=jason` does not match `xuser=jason` or `user=jasonx`).
 */
export function cookieRegex(name: string, value: string): string {
  return `(.*;\\s*)?${re2Quote(name)}=${re2Quote(value)}(;.*)?`;
}

/** Envoy's retry conditions, as Istio accepts them in `retryOn`. */
export const RETRY_CONDITIONS: readonly string[] = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];

/** The HTTP status codes Istio accepts in `retryOn` (those Go's net/http knows). */
export const KNOWN_HTTP_STATUS: ReadonlySet<number> = new Set<number>([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  ...Array.from({ length: 19 }, (_, i) => 400 + i), 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** True for one item of a `retryOn` list. */
export function isRetryCondition(c: string): boolean {
  return /^[0-9]+$/.test(c) ? KNOWN_HTTP_STATUS.has(Number(c)) : RETRY_CONDITIONS.includes(c);
}

/** The gRPC status names Istio accepts for `fault.abort.grpcStatus` (upper case). */
export const GRPC_STATUS_NAMES: readonly string[] = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

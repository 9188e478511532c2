/**
 * Every syntax rule the library checks, in one place, so that what a construct accepts and what
 * the analysis reports can never drift apart: DNS names, label keys and values, ports, HTTP tokens,
 * Go durations, Istio hosts, retry conditions and gRPC status names.
 */
import * as net from 'net';

/** A lowercase DNS-1123 label (Kubernetes namespaces, Service names, subset names). */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A lowercase DNS-1123 subdomain (most Kubernetes object names). */
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS-1035 label (Service names: must start with a letter). */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS label of either case, as Istio's host validation accepts it. */
const ANY_CASE_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** The first label of an Istio host: `*`, or a label with an optional leading `*` or `*-`. */
const WILDCARD_FIRST_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
/** The name part of a Kubernetes label key. */
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** A Kubernetes label value (may be empty). */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** An RFC 7230 token: header names, cookie names. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** An RFC 6265 cookie value (without quotes). */
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
/** An upper-case HTTP method token. */
const HTTP_METHOD = /^[A-Z]+$/;
/** A Go duration string, e.g. `1h30m`, `250ms`. */
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/** The HTTP/2 pseudo-headers. */
export const PSEUDO_HEADERS: readonly string[] = [':method', ':scheme', ':authority', ':path', ':status'];

/** Istio's longest accepted regex (`StringMatch.regex`). */
export const MAX_REGEX_LENGTH = 1024;

/**
 * Envoy's default limit on the size of a request's headers (`max_request_headers_kb`, 60 KiB, which
 * Istio keeps): a request whose headers (the path and authority included) are larger is refused
 * with 431, so no request can carry a longer value.
 */
export const MAX_REQUEST_HEADERS_BYTES = 60 * 1024;

/**
 * Headers a route cannot use as a carrier or set: the host (Envoy's `:authority`), the other
 * pseudo-headers, the body length, and the hop-by-hop headers (RFC 9110 7.6.1), which proxies drop
 * or rewrite between hops. Envoy refuses to modify most of them in header operations, and a value
 * carried in one does not reach the next hop.
 */
export const RESERVED_HEADERS: readonly string[] = [
  'host', ...PSEUDO_HEADERS, 'content-length', 'connection', 'keep-alive', 'proxy-connection',
  'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization',
];

/** True for a header name a route may carry a value in and set (see RESERVED_HEADERS). */
export function isSettableHeader(name: unknown): boolean {
  return typeof name === 'string' && !RESERVED_HEADERS.includes(name.toLowerCase());
}

/** The longest duration Go (and so Istio) can represent: 2^63-1 nanoseconds, about 2,562,047 hours. */
export const MAX_GO_DURATION_MS = 9_223_372_036_854;

/** True when `s` is a lowercase DNS-1123 label (at most 63 characters). */
export function isDnsLabel(s: unknown): boolean {
  return typeof s === 'string' && s.length <= 63 && DNS1123_LABEL.test(s);
}

/** The longest DNS-1123 subdomain, and so the longest name of most Kubernetes objects. */
export const MAX_DNS_SUBDOMAIN = 253;

/** True when `s` is a lowercase DNS-1123 subdomain (at most 253 characters). */
export function isDnsSubdomain(s: unknown): boolean {
  return typeof s === 'string' && s.length <= MAX_DNS_SUBDOMAIN && DNS1123_SUBDOMAIN.test(s);
}

/** True when `s` is a DNS-1035 label (a Service name). */
export function isDns1035Label(s: unknown): boolean {
  return typeof s === 'string' && s.length <= 63 && DNS1035_LABEL.test(s);
}

/** True when `s` is a DNS label of either case (Istio's host labels). */
export function isAnyCaseDnsLabel(s: unknown): boolean {
  return typeof s === 'string' && s.length <= 63 && ANY_CASE_LABEL.test(s);
}

/** The problem with a Kubernetes label key, or undefined when it is valid. */
export function labelKeyError(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') { return 'is not a label key'; }
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) { return 'has a prefix that is not a DNS-1123 subdomain'; }
  if (name.length > 63 || !LABEL_NAME.test(name)) { return 'is not a valid label key'; }
  return undefined;
}

/** True when `v` is a valid Kubernetes label value. */
export function isLabelValue(v: unknown): boolean {
  return typeof v === 'string' && v.length <= 63 && LABEL_VALUE.test(v);
}

/** True for a TCP/UDP port number. */
export function isPort(p: unknown): boolean {
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
}

/** True for an RFC 7230 token: a valid HTTP header name (and cookie name). */
export function isHttpToken(s: unknown): boolean {
  return typeof s === 'string' && HTTP_TOKEN.test(s);
}

/** True for a valid cookie value. */
export function isCookieValue(s: unknown): boolean {
  return typeof s === 'string' && COOKIE_VALUE.test(s);
}

/** True for an upper-case HTTP method such as `GET`. */
export function isHttpMethod(s: unknown): boolean {
  return typeof s === 'string' && HTTP_METHOD.test(s);
}

/**
 * True for an IPv4 or IPv6 address as Go's net.ParseIP reads one (Istio's `IsValidIPAddress`, and
 * Kubernetes' CEL `isIP()`): no leading zeros in IPv4, no zone in IPv6.
 */
export function isIp(s: string): boolean {
  return typeof s === 'string' && net.isIP(s) !== 0 && !s.includes('%');
}

/** Istio's ValidateWildcardDomain: the problem with a host, or undefined when it is valid. */
export function wildcardDomainError(host: unknown): string | undefined {
  if (typeof host !== 'string' || host.length === 0 || host.length > 255) { return 'must be 1 to 255 characters'; }
  const labels = host.replace(/\.$/, '').split('.');
  if (!WILDCARD_FIRST_LABEL.test(labels[0]) || labels[0].length > 63) { return `the first label '${labels[0]}' is not a DNS label or a leading wildcard`; }
  for (const l of labels.slice(1)) {
    if (!isAnyCaseDnsLabel(l)) { return `'${l}' is not a DNS-1123 label (a wildcard may only be the first label)`; }
  }
  if (labels.length > 1 && /^[0-9]+$/.test(labels[labels.length - 1])) { return 'the last label is all digits'; }
  return undefined;
}

/**
 * The problem with a host a Gateway server can serve (`*`, `*.example.com` or a name with a dot,
 * lower case, no partial wildcards), or undefined when it is valid.
 */
export function gatewayHostError(host: unknown): string | undefined {
  if (typeof host !== 'string' || host.length > MAX_DNS_SUBDOMAIN) { return 'is not a host a Gateway can serve'; }
  if (host === '*') { return undefined; }
  const wildcard = host.startsWith('*.');
  const labels = (wildcard ? host.slice(2) : host).split('.');
  const ok = labels.length >= (wildcard ? 1 : 2) && labels.every(isDnsLabel) && !/^[0-9]+$/.test(labels[labels.length - 1]);
  return ok ? undefined : 'is not a host a Gateway can serve';
}

/** Milliseconds of a Go duration string, or undefined when it does not parse. */
export function goDurationMs(d: unknown): number | undefined {
  if (typeof d !== 'string' || !GO_DURATION.test(d)) { return undefined; }
  const unit: { [u: string]: number } = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const m of d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) { total += Number(m[1]) * unit[m[2]]; }
  return Math.round(total * 1e6) / 1e6;
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

/** A container image reference (the distribution reference grammar: [registry/]path[:tag][@digest]). */
const IMAGE_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?';
const IMAGE_REFERENCE = new RegExp(`^(?:${IMAGE_DOMAIN}/)?${IMAGE_COMPONENT}(?:/${IMAGE_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`);

/** True for a container image reference a kubelet can pull (`registry.example.com:5000/team/app:1.2`, `nginx@sha256:...`). */
export function isImageReference(s: unknown): boolean {
  return typeof s === 'string' && s.length <= 4096 && IMAGE_REFERENCE.test(s);
}

/** True for an environment variable name Kubernetes accepts: printable ASCII, not empty, without '='. */
export function isEnvName(s: unknown): boolean {
  return typeof s === 'string' && /^[\x21-\x3c\x3e-\x7e]+$/.test(s);
}

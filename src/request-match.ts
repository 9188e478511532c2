import { IConstruct } from 'constructs';
import { checkLabels, checkRenderableKey } from './core/checks';
import { fail } from './core/errors';
import { re2Error } from './core/re2';
import { T } from './core/shape';
import { cookieRegex, isCookieValue, isDnsLabel, isHttpMethod, isHttpToken, isPort, MAX_REGEX_LENGTH, MAX_REQUEST_HEADERS_BYTES } from './core/syntax';

const MAX_REGEX = MAX_REGEX_LENGTH;

enum MatchKind { EXACT = 'exact', PREFIX = 'prefix', REGEX = 'regex' }

/** Marks StringMatch objects, also across copies of this package. */
const STRING_MATCH_SYMBOL = Symbol.for('cdk8s-istio-traffic.StringMatch');

/**
 * How a string value (a header, the path, the authority, a query parameter) is compared: exactly,
 * by prefix, or by an RE2 regex over the whole value. Matching is case-sensitive.
 *
 * @example
 * RequestCondition.header('x-canary', StringMatch.regex('(true|yes)'))
 */
export class StringMatch {
  /**
   * True for a StringMatch, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isStringMatch(x: any): x is StringMatch {
    return x !== null && typeof x === 'object' && STRING_MATCH_SYMBOL in x;
  }

  /**
   * The value equals `value`.
   *
   * @param value the whole value, compared case-sensitively
   */
  public static exact(value: string): StringMatch {
    return new StringMatch(MatchKind.EXACT, value);
  }

  /**
   * The value starts with `prefix` (which must not be empty).
   *
   * @param prefix the start of the value, e.g. `/api/`
   */
  public static prefix(prefix: string): StringMatch {
    return new StringMatch(MatchKind.PREFIX, prefix);
  }

  /**
   * The whole value matches the RE2 regular expression `regex` (Envoy's full-match semantics: to find
   * `Firefox` anywhere, write `.*Firefox.*`). RE2 has no look-around and no back-references.
   *
   * @param regex an RE2 regular expression of at most 1024 characters
   */
  public static regex(regex: string): StringMatch {
    return new StringMatch(MatchKind.REGEX, regex);
  }

  private constructor(private readonly kind: MatchKind, private readonly value: string) {
    Object.defineProperty(this, STRING_MATCH_SYMBOL, { value: true });
  }

  /**
   * Checks the match and renders Istio's StringMatch JSON.
   * @internal
   */
  public _render(scope: IConstruct, field: string): { [kind: string]: string } {
    if (typeof this.value !== 'string') {
      fail(scope, field, this.value, 'is not a string', 'Give the value as a string');
    }
    if (this.kind === MatchKind.PREFIX && this.value === '') {
      fail(scope, `${field}.prefix`, this.value, 'is an empty prefix, which Envoy rejects (and would match everything)',
        'Use a non-empty prefix, or a presence condition for "any value"');
    }
    if (this.kind === MatchKind.REGEX) { checkRegex(scope, `${field}.regex`, this.value); }
    checkHeaderSize(scope, `${field}.${this.kind}`, this.value);
    return { [this.kind]: this.value };
  }

  /** @internal */
  public get _kind(): string {
    return this.kind;
  }
}

/**
 * Fails when no request can carry `value`: Envoy refuses (431) a request whose headers, the path
 * and authority included, are larger than its limit, so a rule on a longer value never matches.
 */
export function checkHeaderSize(scope: IConstruct, field: string, value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_REQUEST_HEADERS_BYTES) {
    fail(scope, field, `${value.slice(0, 40)}...`, `is ${bytes} bytes long, more than Envoy's limit of ${MAX_REQUEST_HEADERS_BYTES} bytes `
      + "for all of a request's headers (max_request_headers_kb, 60 KiB): a request carrying it is refused with 431, so the rule never matches",
    'Match a shorter value (a prefix or a regex), or carry the information in the request body');
  }
}

/** Checks an Istio regex: non-empty, at most 1024 characters, valid RE2. */
export function checkRegex(scope: IConstruct, field: string, regex: string): void {
  if (regex === '') {
    fail(scope, field, regex, 'is an empty regex', 'Give a regular expression, or use a presence condition');
  }
  if (regex.length > MAX_REGEX) {
    fail(scope, field, `${regex.slice(0, 40)}...`, `is ${regex.length} characters long; Istio accepts at most ${MAX_REGEX}`,
      'Shorten the expression');
  }
  const error = re2Error(regex);
  if (error !== undefined) {
    fail(scope, field, regex, `is not a valid RE2 regex (${error})`,
      'Istio uses RE2: no look-ahead/look-behind ((?=, (?!, (?<=, (?<!) and no back-references (\\1); rewrite the expression, e.g. with withoutHeaders for a negative condition');
  }
}

/** Marks UserAgent objects, also across copies of this package. */
const USER_AGENT_SYMBOL = Symbol.for('cdk8s-istio-traffic.UserAgent');

/**
 * Well-known browsers and devices, matched on the `User-Agent` header, for
 * `RequestCondition.userAgent()`.
 *
 * @example
 * RequestCondition.userAgent(UserAgent.FIREFOX)
 */
export class UserAgent {
  /** Firefox (desktop and mobile, including Firefox on iOS, which sends `FxiOS`). */
  public static readonly FIREFOX = new UserAgent('firefox', '.*(Firefox|FxiOS)/.*');
  /** Chrome and Chromium (not Edge or Opera, which also send `Chrome/`). */
  public static readonly CHROME = new UserAgent('chrome', '.*(Chrome|CriOS)/.*', '.*(Edg|EdgA|EdgiOS|OPR)/.*');
  /** Safari (not Chrome, Edge, Firefox on iOS or Opera, which also send `Safari/`). */
  public static readonly SAFARI = new UserAgent('safari', '.*Safari/.*', '.*(Chrome|Chromium|CriOS|FxiOS|Edg|EdgiOS|OPR)/.*');
  /** Microsoft Edge (Chromium-based). */
  public static readonly EDGE = new UserAgent('edge', '.*(Edg|EdgA|EdgiOS)/.*');
  /** Mobile devices (the `Mobi` token, as browser vendors recommend detecting them). */
  public static readonly MOBILE = new UserAgent('mobile', '.*Mobi.*');

  /**
   * True for a UserAgent, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isUserAgent(x: any): x is UserAgent {
    return x !== null && typeof x === 'object' && USER_AGENT_SYMBOL in x;
  }

  /**
   * A custom RE2 regex over the whole `User-Agent` value.
   *
   * @example
   * UserAgent.matching('.*Googlebot.*')
   *
   * @param regex an RE2 regular expression that must match the whole header value (wrap it in `.*` to find it anywhere)
   */
  public static matching(regex: string): UserAgent {
    return new UserAgent('custom', regex);
  }

  private constructor(
    /** A short name for the browser family. */
    public readonly name: string,
    /** The RE2 regex the `User-Agent` must match. */
    public readonly regex: string,
    /** An RE2 regex the `User-Agent` must not match, if any. */
    public readonly excludeRegex?: string,
  ) {
    Object.defineProperty(this, USER_AGENT_SYMBOL, { value: true });
  }
}

enum ConditionKind { HEADER, WITHOUT_HEADER, URI, AUTHORITY, METHOD, QUERY, SOURCE_LABELS, SOURCE_NAMESPACE, USER_AGENT, COOKIE, PORT }

/** Marks RequestCondition objects, also across copies of this package. */
const CONDITION_SYMBOL = Symbol.for('cdk8s-istio-traffic.RequestCondition');

/**
 * One condition on a request. Conditions of one rule are ANDed; give several rules to OR them.
 *
 * @example
 * // v3 gets jason's GET requests, and every request to /beta
 * new DarkRelease(chart, 'beta', {
 *   service: reviews,
 *   version: 'v3',
 *   rules: [
 *     { conditions: [RequestCondition.headerExact('end-user', 'jason'), RequestCondition.method('GET')] },
 *     { conditions: [RequestCondition.pathPrefix('/beta')] },
 *   ],
 * });
 */
export class RequestCondition {
  /**
   * True for a RequestCondition, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isRequestCondition(x: any): x is RequestCondition {
    return x !== null && typeof x === 'object' && CONDITION_SYMBOL in x;
  }

  /**
   * The header `name` matches. Header names are case-insensitive; they are emitted in lowercase (Envoy's form).
   *
   * @param name the header name, e.g. `x-canary`
   * @param match how the header value is compared
   */
  public static header(name: string, match: StringMatch): RequestCondition {
    return new RequestCondition(ConditionKind.HEADER, name, match);
  }

  /**
   * The header `name` equals `value` (e.g. `end-user: jason`).
   *
   * @param name the header name, e.g. `end-user`
   * @param value the whole header value, compared case-sensitively
   */
  public static headerExact(name: string, value: string): RequestCondition {
    return RequestCondition.header(name, StringMatch.exact(value));
  }

  /**
   * The header `name` is present, with any value.
   *
   * @param name the header name
   */
  public static headerPresent(name: string): RequestCondition {
    return new RequestCondition(ConditionKind.HEADER, name);
  }

  /**
   * The header `name` is absent.
   *
   * @param name the header name
   */
  public static headerAbsent(name: string): RequestCondition {
    return new RequestCondition(ConditionKind.WITHOUT_HEADER, name);
  }

  /**
   * The header `name` is absent or does not match.
   *
   * @param name the header name
   * @param match the comparison the header value must fail
   */
  public static headerNot(name: string, match: StringMatch): RequestCondition {
    return new RequestCondition(ConditionKind.WITHOUT_HEADER, name, match);
  }

  /**
   * The cookie `name` has exactly `value`: a regex over the `Cookie` header, anchored on the cookie
   * boundaries, so `user=jason` does not match `xuser=jason` or `user=jasonx`.
   *
   * @param name the cookie name (an RFC 6265 token)
   * @param value the cookie value: printable ASCII without spaces, double quotes, commas, semicolons or backslashes
   */
  public static cookie(name: string, value: string): RequestCondition {
    return new RequestCondition(ConditionKind.COOKIE, name, undefined, value);
  }

  /**
   * The browser or device, from the `User-Agent` header.
   *
   * @param agent a well-known browser or device (`UserAgent.FIREFOX`, `UserAgent.MOBILE` ...), or `UserAgent.matching(regex)`
   */
  public static userAgent(agent: UserAgent): RequestCondition {
    return new RequestCondition(ConditionKind.USER_AGENT, 'user-agent', undefined, undefined, agent);
  }

  /**
   * The path (without query string) matches.
   *
   * @param match how the path is compared, e.g. `StringMatch.exact('/login')`
   */
  public static uri(match: StringMatch): RequestCondition {
    return new RequestCondition(ConditionKind.URI, 'uri', match);
  }

  /**
   * The path starts with `prefix`, e.g. `/canary`.
   *
   * @param prefix the start of the path: `/canary` also matches `/canary-x`, so end it with `/` to match a directory only
   */
  public static pathPrefix(prefix: string): RequestCondition {
    return RequestCondition.uri(StringMatch.prefix(prefix));
  }

  /**
   * The authority (Host header) matches, e.g. `StringMatch.prefix('experimental.')`.
   *
   * @param match how the authority is compared
   */
  public static authority(match: StringMatch): RequestCondition {
    return new RequestCondition(ConditionKind.AUTHORITY, 'authority', match);
  }

  /**
   * The HTTP method is `method` (upper case, e.g. `GET`).
   *
   * @param method the method in upper case: `GET`, `POST`, `DELETE` ...
   */
  public static method(method: string): RequestCondition {
    return new RequestCondition(ConditionKind.METHOD, 'method', StringMatch.exact(method));
  }

  /**
   * The query parameter `name` matches (Istio supports exact and regex here, not prefix).
   *
   * @param name the query parameter name
   * @param match `StringMatch.exact()` or `StringMatch.regex()` (a prefix fails)
   */
  public static queryParam(name: string, match: StringMatch): RequestCondition {
    return new RequestCondition(ConditionKind.QUERY, name, match);
  }

  /**
   * The calling workload carries these labels (e.g. `{ app: 'productpage', version: 'v2' }`).
   *
   * @param labels pod labels the caller must all carry
   */
  public static callerLabels(labels: { [key: string]: string }): RequestCondition {
    return new RequestCondition(ConditionKind.SOURCE_LABELS, 'sourceLabels', undefined, undefined, undefined, labels);
  }

  /**
   * The calling workload runs in `namespace`.
   *
   * @param namespace the caller's namespace name
   */
  public static callerNamespace(namespace: string): RequestCondition {
    return new RequestCondition(ConditionKind.SOURCE_NAMESPACE, 'sourceNamespace', undefined, namespace);
  }

  /**
   * The request is sent to `port` of the service.
   *
   * @param port the Service port the request is sent to, from 1 to 65535
   */
  public static port(port: number): RequestCondition {
    return new RequestCondition(ConditionKind.PORT, 'port', undefined, undefined, undefined, undefined, port);
  }

  private constructor(
    private readonly kind: ConditionKind,
    private readonly name: string,
    private readonly match?: StringMatch,
    private readonly text?: string,
    private readonly agent?: UserAgent,
    private readonly labels?: { [key: string]: string },
    private readonly portNumber?: number,
  ) {
    Object.defineProperty(this, CONDITION_SYMBOL, { value: true });
  }

  /**
   * Whether this condition reads the `User-Agent` header (which a downstream hop does not see).
   * @internal
   */
  public get _readsUserAgent(): boolean {
    return this.kind === ConditionKind.USER_AGENT
      || ((this.kind === ConditionKind.HEADER || this.kind === ConditionKind.WITHOUT_HEADER) && this.name.toLowerCase() === 'user-agent');
  }

  /**
   * A short description for messages, e.g. `uri` or `header end-user`.
   * @internal
   */
  public get _describe(): string {
    return this.kind === ConditionKind.QUERY ? `queryParam ${this.name}` : this.name;
  }

  /**
   * Whether the condition can hold on a downstream hop: headers (and the cookie and user agent,
   * carried in headers) can be forwarded; the caller, path, host, port, method and query
   * parameters describe the first request only.
   * @internal
   */
  public get _propagates(): boolean {
    return [ConditionKind.HEADER, ConditionKind.WITHOUT_HEADER, ConditionKind.USER_AGENT, ConditionKind.COOKIE].includes(this.kind);
  }

  /**
   * The request headers this condition reads (lowercase), for header propagation.
   * @internal
   */
  public get _headers(): string[] {
    switch (this.kind) {
      case ConditionKind.HEADER:
      case ConditionKind.WITHOUT_HEADER:
      case ConditionKind.USER_AGENT:
        return [this.name.toLowerCase()];
      case ConditionKind.COOKIE:
        return ['cookie'];
      default:
        return [];
    }
  }

  /**
   * Adds this condition to an Istio HTTPMatchRequest under construction. `userAgentHeader` is the
   * header the user agent is read from (`user-agent` at the first hop, a propagated header later).
   * @internal
   */
  public _addTo(scope: IConstruct, field: string, block: { [key: string]: any }, userAgentHeader = 'user-agent'): void {
    const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    for (const [section, key, value] of this.render(scope, field, userAgentHeader)) {
      if (key === undefined) {
        if (has(block, section)) { conflict(scope, field, section); }
        block[section] = value;
        continue;
      }
      checkRenderableKey(scope, field, key);
      if (!has(block, section)) { block[section] = {}; }
      if (has(block[section], key)) { conflict(scope, field, `${section}.${key}`); }
      block[section][key] = value;
    }
  }

  /** The checked condition as entries `[section, key (for map sections), value]` of a match block. */
  private render(scope: IConstruct, field: string, userAgentHeader: string): MatchEntry[] {
    switch (this.kind) {
      case ConditionKind.HEADER:
      case ConditionKind.WITHOUT_HEADER:
        return this.renderHeader(scope, field, userAgentHeader);
      case ConditionKind.USER_AGENT:
        return this.renderUserAgent(scope, field, userAgentHeader);
      case ConditionKind.COOKIE:
        return this.renderCookie(scope, field);
      case ConditionKind.URI:
        return [['uri', undefined, uriMatch(scope, `${field}.uri`, this.match!)]];
      case ConditionKind.AUTHORITY:
        return [['authority', undefined, this.match!._render(scope, `${field}.authority`)]];
      case ConditionKind.METHOD:
        return this.renderMethod(scope, field);
      case ConditionKind.QUERY:
        return this.renderQuery(scope, field);
      case ConditionKind.SOURCE_LABELS:
        return this.renderCallerLabels(scope, field);
      case ConditionKind.SOURCE_NAMESPACE:
        if (!isDnsLabel(this.text)) {
          fail(scope, `${field}.callerNamespace`, this.text, 'is not a DNS-1123 label', 'Give the namespace name of the caller');
        }
        return [['sourceNamespace', undefined, this.text]];
      case ConditionKind.PORT:
        if (!isPort(this.portNumber)) {
          fail(scope, `${field}.port`, this.portNumber, 'is not a port number', 'Use a whole number from 1 to 65535');
        }
        return [['port', undefined, this.portNumber]];
    }
  }

  private renderHeader(scope: IConstruct, field: string, userAgentHeader: string): MatchEntry[] {
    const name = headerName(scope, `${field}.header`, this.name);
    const target = name === 'user-agent' ? userAgentHeader : name;
    const section = this.kind === ConditionKind.HEADER ? 'headers' : 'withoutHeaders';
    return [[section, target, this.match ? this.match._render(scope, `${field}.${name}`) : {}]];
  }

  private renderUserAgent(scope: IConstruct, field: string, userAgentHeader: string): MatchEntry[] {
    const agent = this.agent!;
    checkRegex(scope, `${field}.userAgent`, agent.regex);
    return [
      ['headers', userAgentHeader, { regex: agent.regex }],
      ...(agent.excludeRegex ? [['withoutHeaders', userAgentHeader, { regex: agent.excludeRegex }] as MatchEntry] : []),
    ];
  }

  private renderCookie(scope: IConstruct, field: string): MatchEntry[] {
    if (!isHttpToken(this.name)) {
      fail(scope, `${field}.cookie`, this.name, 'is not a valid cookie name (an RFC 6265 token)',
        "Use letters, digits and !#$%&'*+-.^_`|~ only, without spaces, '=' or ';'");
    }
    if (!isCookieValue(this.text)) {
      fail(scope, `${field}.cookie.${this.name}`, this.text, 'is not a valid cookie value',
        'Use printable ASCII without spaces, double quotes, commas, semicolons or backslashes');
    }
    const regex = cookieRegex(this.name, this.text!);
    checkRegex(scope, `${field}.cookie.${this.name}`, regex);
    return [['headers', 'cookie', { regex }]];
  }

  private renderMethod(scope: IConstruct, field: string): MatchEntry[] {
    const rendered = this.match!._render(scope, `${field}.method`);
    if (!isHttpMethod(rendered.exact)) {
      fail(scope, `${field}.method`, rendered.exact, 'is not an upper-case HTTP method', "Use e.g. 'GET', 'POST', 'DELETE'");
    }
    return [['method', undefined, rendered]];
  }

  private renderQuery(scope: IConstruct, field: string): MatchEntry[] {
    if (this.name === '') {
      fail(scope, `${field}.queryParam`, this.name, 'is an empty parameter name', 'Name the query parameter');
    }
    if (this.match!._kind === MatchKind.PREFIX) {
      fail(scope, `${field}.queryParam.${this.name}`, 'prefix', 'is not supported for query parameters by Istio',
        'Use StringMatch.exact() or StringMatch.regex()');
    }
    return [['queryParams', this.name, this.match!._render(scope, `${field}.queryParam.${this.name}`)]];
  }

  private renderCallerLabels(scope: IConstruct, field: string): MatchEntry[] {
    checkLabels(scope, `${field}.callerLabels`, this.labels!);
    if (Object.keys(this.labels!).length === 0) {
      fail(scope, `${field}.callerLabels`, this.labels, 'is empty', 'Give at least one label of the calling workload');
    }
    return [['sourceLabels', undefined, { ...this.labels! }]];
  }
}

/** One entry of a match block: the section, the key inside a map section (headers ...), the value. */
type MatchEntry = [string, string | undefined, any];

/** A set of conditions that a request must all meet (one match block). */
export interface ConditionSet {
  /** The conditions: a request must meet all of them. */
  readonly conditions: RequestCondition[];
}

/**
 * Renders a list of conditions into one Istio HTTPMatchRequest (conditions ANDed). Fails on an
 * empty list.
 */
export function renderConditions(scope: IConstruct, field: string, conditions: RequestCondition[], userAgentHeader = 'user-agent'): { [key: string]: any } {
  if (!conditions || conditions.length === 0) {
    fail(scope, field, conditions ?? [], 'has no condition, so it would match every request',
      'Give at least one condition (a header, cookie, user agent, path, host, query parameter, method or caller)');
  }
  const block: { [key: string]: any } = {};
  conditions.forEach((c, i) => c._addTo(scope, `${field}[${i}]`, block, userAgentHeader));
  return block;
}

/** A path match: an exact or prefix path without a leading '/' can never match (request paths start with '/'). */
function uriMatch(scope: IConstruct, field: string, match: StringMatch): { [kind: string]: string } {
  const rendered = match._render(scope, field);
  for (const kind of ['exact', 'prefix']) {
    const v = rendered[kind];
    if (v !== undefined && !v.startsWith('/')) {
      fail(scope, `${field}.${kind}`, v, "does not start with '/', so no request path matches it", `Start the path with '/', e.g. '/${v}'`);
    }
  }
  return rendered;
}

function headerName(scope: IConstruct, field: string, name: string): string {
  if (!isHttpToken(name)) {
    fail(scope, field, name, 'is not a valid HTTP header name (an RFC 7230 token)',
      "Use letters, digits and !#$%&'*+-.^_`|~ only, e.g. 'end-user'; for the path, host or method use the uri, authority or method conditions");
  }
  if (name.toLowerCase() === 'host') {
    fail(scope, field, name, 'is never seen by a route: Envoy carries the host as the :authority pseudo-header',
      'Use RequestCondition.authority(StringMatch.exact(...)) for the host');
  }
  // HTTP header names are case-insensitive and Envoy matches the lower-case form; emit that.
  return name.toLowerCase();
}

function conflict(scope: IConstruct, field: string, what: string): never {
  return fail(scope, field, what, 'is constrained twice in one rule (the conditions of a rule are ANDed, and Istio keeps one condition per field)',
    'Combine them into one condition (e.g. one regex), or give them as separate rules to OR them');
}

/** The run-time shape of a list of conditions (`when`), for the props of the constructs that take one. */
export const CONDITIONS_SHAPE = T.array(T.instance('RequestCondition', x => RequestCondition.isRequestCondition(x),
  "Use RequestCondition factories, e.g. RequestCondition.headerExact('end-user', 'jason')"));

/** The run-time shape of a list of condition sets (`rules`). */
export const CONDITION_SETS_SHAPE = T.array(T.struct('ConditionSet', { conditions: CONDITIONS_SHAPE }, "{ conditions: [RequestCondition.pathPrefix('/api')] }"));

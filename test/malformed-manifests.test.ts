import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { Analysis, IstioTrafficErrors, RoutingApi, RoutingSimulator, SimulatedRequest } from '../src';
import { identityError, withoutNullFields } from '../src/core/manifest-fields';

/**
 * The analysis reads manifests people wrote by hand, and must report what is wrong with them, never
 * crash: every field of every object of Istio's own samples (Bookinfo, httpbin, the istio-tutorial,
 * the Gateway API samples) and of hand-written objects of the kinds and fields they lack, replaced
 * by a random JSON value or removed, still gives findings.
 */

const UPSTREAM = path.join(__dirname, '..', '..', 'shared', 'upstream');

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { return yamlFiles(p); }
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  }).sort();
}


/** Objects of the kinds the samples lack (request authentication, grants, TCP and TLS routes, bare pods). */
const ns = (name: string) => ({ name, namespace: 'shop' });
const handWritten: any[][] = [[
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'waypoint' } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { ...ns('db-0'), labels: { app: 'db' } }, spec: { serviceAccountName: 'db', containers: [{ name: 'db', image: 'db:1' }] } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: ns('cache'), spec: { selector: { matchLabels: { app: 'cache' } }, template: { metadata: { labels: { app: 'cache' } }, spec: { containers: [] } } } },
  { apiVersion: 'v1', kind: 'Service', metadata: ns('db'), spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432, targetPort: 5432 }] } },
  { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: ns('jwt'), spec: { selector: { matchLabels: { app: 'db' } }, jwtRules: [{ issuer: 'https://issuer', jwksUri: 'https://issuer/jwks' }] } },
  {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: ns('allow'),
    spec: {
      targetRefs: [{ kind: 'Service', group: '', name: 'db' }],
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'], requestPrincipals: ['https://issuer/*'] } }],
        to: [{ operation: { ports: ['5432'], methods: ['GET'] } }],
        when: [{ key: 'source.namespace', values: ['shop'] }, { key: 'request.auth.claims[groups]', values: ['admin'] }],
      }],
    },
  },
  { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: ns('db'), spec: { selector: { matchLabels: { app: 'db' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 5432: { mode: 'PERMISSIVE' } } } },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: ns('db'),
    spec: {
      host: 'db',
      trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, portLevelSettings: [{ port: { number: 5432 }, tls: { mode: 'DISABLE' } }] },
      subsets: [{ name: 'v1', labels: { app: 'db' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: ns('db'),
    spec: {
      hosts: ['db'],
      tcp: [{ match: [{ port: 5432 }], route: [{ destination: { host: 'db', subset: 'v1', port: { number: 5432 } } }] }],
      tls: [{ match: [{ port: 443, sniHosts: ['db'] }], route: [{ destination: { host: 'db' } }] }],
    },
  },
], [
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'edge' },
    spec: {
      gatewayClassName: 'istio',
      listeners: [{ name: 'tcp', port: 5432, protocol: 'TCP', allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { edge: 'yes' } } }, kinds: [{ kind: 'TCPRoute' }] } }],
    },
  },
  { apiVersion: 'gateway.networking.k8s.io/v1alpha2', kind: 'TCPRoute', metadata: ns('db'), spec: { parentRefs: [{ name: 'edge', namespace: 'edge', sectionName: 'tcp' }], rules: [{ backendRefs: [{ name: 'db', namespace: 'data', port: 5432 }] }] } },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GRPCRoute',
    metadata: ns('api'),
    spec: {
      parentRefs: [{ group: '', kind: 'Service', name: 'db' }],
      rules: [{ matches: [{ method: { service: 'shop.Cart', method: 'Get' }, headers: [{ name: 'x-user', value: 'jason' }] }], backendRefs: [{ name: 'db', port: 5432, weight: 1 }] }],
    },
  },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: ns('web'),
    spec: {
      parentRefs: [{ name: 'edge', namespace: 'edge' }],
      hostnames: ['web.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/a' }, headers: [{ name: 'x-user', value: 'jason' }], queryParams: [{ type: 'RegularExpression', name: 'v', value: '[0-9]+' }], method: 'GET' }],
        filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: 'b' }], remove: ['x-c'] } }],
        backendRefs: [{ name: 'db', namespace: 'data', port: 5432, weight: 90 }, { name: 'db', namespace: 'data', port: 5432, weight: 10 }],
      }],
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: ns('web'),
    spec: {
      host: 'web',
      trafficPolicy: {
        loadBalancer: {
          consistentHash: { maglev: { tableSize: 65537 }, httpCookie: { name: 'c', ttl: '10s', attributes: [{ name: 'SameSite', value: 'Strict' }] } },
          localityLbSetting: { distribute: [{ from: 'us/*', to: { 'us/a/*': 80, 'us/b/*': 20 } }] },
          warmup: { duration: '10s', aggression: 2 },
        },
        connectionPool: { http: { http1MaxPendingRequests: 10, maxRetries: 3 }, tcp: { maxConnections: 5 } },
        outlierDetection: { consecutive5xxErrors: 5, consecutiveLocalOriginFailures: 2, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
      },
    },
  },
  {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: ns('web'),
    spec: {
      hosts: ['web'],
      http: [
        {
          match: [{ uri: { prefix: '/a' }, headers: { 'x-user': { exact: 'jason' } }, queryParams: { v: { regex: '[0-9]+' } }, withoutHeaders: { 'x-b': {} } }],
          route: [{ destination: { host: 'web' }, weight: 100, headers: { request: { set: { 'x-a': 'b' }, remove: ['x-c'] } } }],
          mirror: { host: 'web' },
          mirrorPercent: 50,
          retries: { attempts: 3, perTryTimeout: '1s', retryOn: '5xx' },
          timeout: '5s',
          fault: { delay: { fixedDelay: '1s', percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 5 } } },
          corsPolicy: { allowOrigins: [{ exact: 'https://a.example.com' }], allowMethods: ['GET'], allowHeaders: ['x-a'], maxAge: '1h' },
        },
        { match: [{ uri: { exact: '/r' } }], redirect: { uri: '/b', redirectCode: 301 } },
        { match: [{ uri: { exact: '/d' } }], directResponse: { status: 503, body: { string: 'down' } } },
        { route: [{ destination: { host: 'web' } }], rewrite: { uri: '/' } },
      ],
    },
  },
  { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'db', namespace: 'data' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'TCPRoute', namespace: 'shop' }], to: [{ group: '', kind: 'Service', name: 'db' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'data' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } },
]];

/** Every file's objects (files without any are left out): Istio's samples and the objects above. */
const corpus: any[][] = yamlFiles(UPSTREAM)
  .map(f => parseAllDocuments(fs.readFileSync(f, 'utf8')).map(d => d.toJS()).filter(o => o && typeof o === 'object' && typeof o.kind === 'string'))
  .filter(objects => objects.length > 0)
  .concat(handWritten);

/** The paths of every value inside `value` (objects and lists included). */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) { return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))]; }
  if (value && typeof value === 'object') { return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))]; }
  return [at];
}

/** A copy of `root` with the value at `at` replaced (or removed when `value` is undefined). */
function replaced(root: any, at: (string | number)[], value: unknown): any {
  if (at.length === 0) { return value; }
  const copy = Array.isArray(root) ? [...root] : { ...root };
  const [head, ...rest] = at;
  if (rest.length === 0 && value === undefined) {
    if (Array.isArray(copy)) { copy.splice(head as number, 1); } else { delete copy[head]; }
    return copy;
  }
  copy[head] = replaced(root[head], rest, value);
  return copy;
}

const anyValue = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, '', 'x', 0, -1, 1.5, [], {}, [null], [{}], ['x'], { x: 'y' }, '__proto__', 'constructor', { toString: 1 }, { valueOf: 'x', toString: null }) },
);

describe('the analysis of malformed manifests', () => {
  test('the corpus is there', () => {
    expect(corpus.length).toBeGreaterThan(20);
    expect([...new Set(corpus.flat().map(o => o.kind))]).toEqual(expect.arrayContaining(['VirtualService', 'DestinationRule', 'Gateway', 'Service', 'Deployment', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'ReferenceGrant', 'AuthorizationPolicy', 'PeerAuthentication', 'RequestAuthentication', 'Pod', 'Namespace']));
  });

  test.each([RoutingApi.ISTIO, RoutingApi.GATEWAY_API])('any field replaced by any JSON value or removed gives findings, not a crash (%s)', (routingApi) => {
    fc.assert(fc.property(fc.nat(), fc.nat(), fc.nat(), anyValue, (fileIndex, objectIndex, pathIndex, value) => {
      const objects = corpus[fileIndex % corpus.length];
      const i = objectIndex % objects.length;
      const all = paths(objects[i]);
      const at = all[pathIndex % all.length];
      const broken = objects.map((o, j) => (j === i ? replaced(o, at, value) : o));
      expect(Array.isArray(Analysis.analyzeManifests(broken, routingApi))).toBe(true);
    }), { numRuns: Number(process.env.MALFORMED_RUNS ?? 400), seed: Number(process.env.MALFORMED_SEED ?? 20261123) });
  });
});

describe('what the analysis does with values of the wrong type', () => {
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { selector: { app: 'db' }, ports: [{ name: 'tcp', port: 5432 }] } };
  const codes = (objects: any[]) => Analysis.analyzeManifests(objects).map(f => [f.code, f.field]);

  test('an object whose apiVersion, kind, name or namespace is not a string is reported once and read by no other check', () => {
    expect(codes([{ ...service, apiVersion: 1 }])).toEqual([['IST0106', 'apiVersion']]);
    expect(codes([{ ...service, kind: undefined }])).toEqual([['IST0106', 'kind']]);
    expect(codes([{ ...service, metadata: { name: { toString: 1 } } }])).toEqual([['IST0106', 'metadata.name']]);
    expect(codes([{ ...service, metadata: { name: 'db', namespace: ['shop'] } }])).toEqual([['IST0106', 'metadata.namespace']]);
    const f = Analysis.analyzeManifests([{ ...service, apiVersion: 1 }])[0];
    expect([f.severity, f.value, f.message, f.fix]).toEqual(['error', '1', 'is not a string, so Kubernetes cannot read the object', "Give the object's apiVersion as a string"]);
    const missing = Analysis.analyzeManifests([{ ...service, kind: undefined }])[0];
    expect([missing.value, missing.message, missing.fix]).toEqual([undefined, 'is missing, so Kubernetes cannot read the object', "Give the object its kind (e.g. 'Service')"]);
    // Without metadata, or without a namespace, the object is readable (the namespace is the default one).
    expect(codes([{ ...service, metadata: { name: 'db' } }]).map(([code]) => code)).not.toContain('IST0106');
    // The unreadable object is not a Service the others can refer to; labels of the wrong type leave it readable.
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'db', namespace: 'shop' }, spec: { host: 'db' } };
    expect(codes([dr, { ...service, metadata: { name: 'db', namespace: 'shop', labels: 5 } }])).toEqual([['CIT0001', 'spec.selector']]);
    expect(codes([dr, { ...service, metadata: { name: 7, namespace: 'shop' } }])).toEqual([['IST0106', 'metadata.name'], ['IST0174', 'spec.host']]);
  });

  test('null fields are read as absent, as the API server prunes them before any check sees the object', () => {
    // A null name or kind is a missing one (the name is optional here, the kind is not).
    expect(codes([{ ...service, metadata: { name: null, namespace: 'shop' } }]).map(([code]) => code)).not.toContain('IST0106');
    // The webhook checks read the object as stored too: a null namespace is the default one, not a bad name.
    const route = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'db', namespace: null }, spec: { hosts: ['db'], http: [{ route: [{ destination: { host: 'db' } }] }] } };
    expect(codes([route]).filter(([code]) => code === 'IST0106')).toEqual([]);
    expect(codes([{ ...service, kind: null }])).toEqual([['IST0106', 'kind']]);
    // One hash key set and the others null is one key (the webhook's check and the CRD's oneOf agree).
    const dr = (consistentHash: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'db', namespace: 'shop' }, spec: { host: 'db', trafficPolicy: { loadBalancer: { consistentHash } } } });
    const errors = (objects: any[]) => codes(objects).filter(([code]) => code === 'IST0106');
    expect(errors([service, dr({ httpHeaderName: 'x-user', httpCookie: null, useSourceIp: null })])).toEqual([]);
    expect(errors([service, dr({ httpHeaderName: 'x-user', httpCookie: null, useSourceIp: true })])).toEqual([['IST0106', 'spec.trafficPolicy.loadBalancer.consistentHash']]);
    // A header condition written as null is reported: the API server drops it, and the rule would match without it.
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'db', namespace: 'shop' },
      spec: { hosts: ['db'], http: [{ match: [{ headers: { 'x-user': null }, withoutHeaders: { 'x-debug': null } }], route: [{ destination: { host: 'db' } }] }] },
    };
    const nulls = Analysis.analyzeManifests([service, vs]).filter(f => f.code === 'IST0106');
    expect(nulls.map(f => [f.field, f.value, f.fix])).toEqual([
      ['spec.http[0].match[0].headers.x-user', 'null', 'Use {} for presence'],
      ['spec.http[0].match[0].withoutHeaders.x-debug', 'null', 'Use {} for absence'],
    ]);
    expect(nulls[0].message).toBe('is null, which the API server removes before Istio sees it: the rule would not test this header');
    // The manifests given are not changed.
    const given = dr({ httpHeaderName: 'x-user', httpCookie: null });
    Analysis.analyzeManifests([given]);
    expect(given.spec.trafficPolicy.loadBalancer.consistentHash).toEqual({ httpHeaderName: 'x-user', httpCookie: null });
  });

  test('lists and maps of the wrong type read as empty, entries of the wrong type are skipped', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-0', namespace: 'shop', labels: { app: 'db' } }, spec: { containers: [] } };
    // A Service whose ports are not a list has none to judge; selector entries that are not strings select nothing.
    expect(codes([pod, { ...service, spec: { selector: { app: 'db' }, ports: 'tcp' } }])).toEqual([]);
    expect(codes([pod, { ...service, spec: { selector: { app: 5 }, ports: [] } }])).toEqual([]);
    expect(codes([pod, { ...service, spec: { selector: { app: 'db', tier: 5 }, ports: [] } }])).toEqual([]);
    expect(codes([{ ...pod, metadata: { ...pod.metadata, labels: { app: 5 } } }, service])).toEqual([['CIT0001', 'spec.selector']]);
    // A VirtualService with non-list sections; a match block that is null is no block (and covers nothing).
    const vs = (spec: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'db', namespace: 'shop' }, spec });
    // The schema check reports each of them.
    expect(codes([vs({ hosts: 'db', gateways: 'mesh', http: 'x', tcp: 5 })]))
      .toEqual(expect.arrayContaining([['IST0106', 'spec.hosts'], ['IST0106', 'spec.gateways'], ['IST0106', 'spec.http'], ['IST0106', 'spec.tcp']]));
    const route = { route: [{ destination: { host: 'db' } }] };
    const blocks = codes([vs({ hosts: ['db', 7], http: [{ ...route, match: [null] }, { ...route, match: [{ uri: { prefix: 5 } }] }, { ...route, match: [{ uri: { prefix: '/a' } }] }] })]);
    expect(blocks).toEqual(expect.arrayContaining([['IST0106', 'spec.hosts[1]'], ['IST0106', 'spec.http[1].match[0].uri.prefix']]));
    // Neither malformed block is taken to cover the last rule's match.
    expect(blocks.map(([code]) => code)).not.toContain('IST0131');
  });

  test('a listener protocol named like a property of every JavaScript object takes no route kind', () => {
    const gateway = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'shop' },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'l', port: 80, protocol: 'constructor' }] },
    };
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'shop' }, spec: { parentRefs: [{ name: 'edge' }] } };
    expect(codes([gateway, route]).filter(([code]) => code === 'CIT0032')).toEqual([['CIT0032', 'spec.parentRefs[0]']]);
  });
});

describe('the simulator on malformed manifests', () => {
  /** The requests worth sending to a file's objects: each VirtualService host, at each of its gateways and in the mesh, and each Service. */
  function requests(objects: any[]): SimulatedRequest[] {
    const out: SimulatedRequest[] = [];
    for (const o of objects) {
      const namespace = typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : 'default';
      if (o.kind === 'VirtualService' || o.kind === 'HTTPRoute') {
        for (const host of Array.isArray(o.spec?.hosts) ? o.spec.hosts : Array.isArray(o.spec?.hostnames) ? o.spec.hostnames : []) {
          if (typeof host !== 'string' || host.includes('*')) { continue; }
          out.push({ host, path: '/', sourceNamespace: namespace });
          out.push({ host, path: '/api/v1/reviews?user=jason', method: 'POST', headers: { 'end-user': 'jason', 'user-agent': 'Mobile Safari' }, port: 9080 });
          for (const g of Array.isArray(o.spec?.gateways) ? o.spec.gateways : []) {
            if (typeof g === 'string' && g !== 'mesh') { out.push({ host, path: '/productpage', gateway: g.includes('/') ? g : `${namespace}/${g}` }); }
          }
        }
      }
      if (o.kind === 'Service' && typeof o.metadata?.name === 'string') { out.push({ host: `${o.metadata.name}.${namespace}.svc.cluster.local`, headers: { 'end-user': 'jason' } }); }
    }
    return out.slice(0, 8);
  }

  test('routing a request never throws on any field replaced by any JSON value or removed', () => {
    fc.assert(fc.property(fc.nat(), fc.nat(), fc.nat(), anyValue, (fileIndex, objectIndex, pathIndex, value) => {
      const objects = corpus[fileIndex % corpus.length];
      const i = objectIndex % objects.length;
      const all = paths(objects[i]);
      const broken = objects.map((o, j) => (j === i ? replaced(o, all[pathIndex % all.length], value) : o));
      let simulator: RoutingSimulator;
      try {
        simulator = RoutingSimulator.fromManifests(broken);
      } catch (e) {
        // An entry that is not an object, or whose identity is not made of strings, is refused with the library's error.
        if (!IstioTrafficErrors.isIstioTrafficError(e)) { throw e; }
        expect(IstioTrafficErrors.detailsOf(e)?.field).toMatch(new RegExp(`^manifests\\[${i}\\](\\.(apiVersion|kind|metadata\\.name|metadata\\.namespace))?$`));
        return;
      }
      for (const request of requests(objects)) {
        expect(typeof simulator.route(request).kind).toBe('string');
      }
    }), { numRuns: Number(process.env.MALFORMED_RUNS ?? 400), seed: Number(process.env.MALFORMED_SEED ?? 20261123) });
  });
});

describe('the identity of a manifest', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', namespace: 'shop' }, spec: {} };

  test('a value of the wrong type is named first, then a missing apiVersion or kind; the names are optional', () => {
    expect(identityError(deployment)).toBeUndefined();
    expect(identityError({ ...deployment, metadata: undefined })).toBeUndefined();
    expect(identityError({ ...deployment, apiVersion: undefined, metadata: { name: { x: 1 } } })).toEqual({ field: 'metadata.name', value: { x: 1 } });
    expect(identityError({ ...deployment, apiVersion: undefined })).toEqual({ field: 'apiVersion', value: undefined });
    expect(identityError({ ...deployment, kind: undefined })).toEqual({ field: 'kind', value: undefined });
    expect(identityError({ ...deployment, kind: 5, metadata: { namespace: 7 } })).toEqual({ field: 'kind', value: 5 });
    // A null field is a missing one, as the API server removes it: an optional name, a required kind.
    expect(identityError({ ...deployment, metadata: { name: 'a', namespace: null } })).toBeUndefined();
    expect(identityError({ ...deployment, kind: null })).toEqual({ field: 'kind', value: undefined });
  });

  test('the simulator refuses a value of the wrong type, and leaves an object without apiVersion or kind unread', () => {
    expect(() => RoutingSimulator.fromManifests([{ ...deployment, apiVersion: undefined, metadata: { name: 5 } }])).toThrow(/manifests\[0\]\.metadata\.name: 5 is not a string/);
    // Unread: its pods are not the Service's pods, so the request reaches no version.
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'shop' }, spec: { selector: { app: 'a' }, ports: [{ name: 'http', port: 80 }] } };
    const pods = { ...deployment, spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a', version: 'v1' } } } } };
    expect(RoutingSimulator.fromManifests([service, pods]).route({ host: 'a' }).versionShares).toEqual({ v1: 100 });
    for (const apiVersion of [undefined, null]) {
      const unread = RoutingSimulator.fromManifests([service, { ...pods, apiVersion }]).route({ host: 'a' });
      expect([unread.versionShares, unread.unavailableShare]).toEqual([{}, 100]);
    }
    // Null fields are absent, as the API server stores the object: a header condition written as null tests nothing.
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'a', namespace: 'shop' },
      spec: { hosts: ['a'], http: [{ match: [{ headers: { 'x-user': null } }], route: [{ destination: { host: 'a' } }] }, { route: [{ destination: { host: 'a' } }], timeout: '1s' }] },
    };
    expect(RoutingSimulator.fromManifests([service, pods, vs]).route({ host: 'a' }).ruleIndex).toBe(0);
  });
});

describe('a manifest as the API server stores it', () => {
  test('null fields and map entries are removed at every depth; list items, and objects without nulls, stay as they are', () => {
    const clean = { spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }] }] } };
    expect(withoutNullFields(clean)).toBe(clean);
    for (const scalar of [null, undefined, 0, '', 'x', true]) {
      expect(withoutNullFields(scalar)).toBe(scalar);
    }
    const given = { a: null, b: { c: null, d: 1 }, e: [null, { f: null, g: 2 }, 3], h: { i: [1] }, constructor: null };
    const stored = withoutNullFields(given) as any;
    expect(stored).toEqual({ b: { d: 1 }, e: [null, { g: 2 }, 3], h: { i: [1] } });
    expect(Object.keys(stored)).toEqual(['b', 'e', 'h']);
    // What has no null is shared; the object given is not changed.
    expect(stored.h).toBe(given.h);
    expect(given).toEqual({ a: null, b: { c: null, d: 1 }, e: [null, { f: null, g: 2 }, 3], h: { i: [1] }, constructor: null });
    const list = [{ a: 1 }, { b: null }];
    const kept = withoutNullFields(list) as any[];
    expect(kept).toEqual([{ a: 1 }, {}]);
    expect(kept[0]).toBe(list[0]);
    expect(list[1]).toEqual({ b: null });
  });
});

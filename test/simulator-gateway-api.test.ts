// gatewayApiAsIstio (src/simulator/gateway-api.ts): the Istio objects the simulator makes of Kubernetes
// Gateway API objects, as Istio's pilot does (istio/istio pilot/pkg/config/kube/gateway: conversion.go
// convertHTTPRoute, convertGRPCRoute, createURIMatch, createGRPCURIMatch, sortHTTPRoutes; route_collections.go
// one VirtualService per parent and host, merged in sortRoutesByCreationTime order; the `<name>-istio`
// Deployment of deploymentcontroller.go). Gateway API semantics from the spec
// (https://gateway-api.sigs.k8s.io/reference/spec/): HTTPRouteRule precedence, PathPrefix by whole path
// segments with a trailing '/' ignored, backendRef weight 1 by default, RequestRedirect statusCode 302 by
// default, HTTPRequestMirrorFilter fraction denominator 100 by default, ParentReference kind Gateway by default.
// Hand-written manifests only: the file runs in a few seconds.
import { OutcomeKind, RoutingSimulator } from '../src';
import { gateway, svc, vs } from './util/manifests';
import { gatewayApiAsIstio } from '../src/simulator/gateway-api';

const API = 'gateway.networking.k8s.io/v1';
const API_GROUP = 'gateway.networking.k8s.io';
const GATEWAY_LABEL = 'gateway.networking.k8s.io/gateway-name';
const FROM = 'simulator/from';
const RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';

/** A Gateway API object of `kind`, named `name`, in namespace shop (`metadata` merged in). */
const object = (kind: string, name: string, spec: any, metadata: any = {}) => ({
  apiVersion: API, kind, metadata: { name, namespace: 'shop', ...metadata }, spec,
});
const httpRoute = (name: string, spec: any, metadata: any = {}) => object('HTTPRoute', name, spec, metadata);
const k8sGateway = (name: string, listeners: any[], metadata: any = {}, gatewayClassName = 'istio') =>
  object('Gateway', name, { gatewayClassName, listeners }, metadata);
/** A parentRef to a Service (GAMMA). */
const onService = (name = 'web', extra: any = {}) => ({ group: '', kind: 'Service', name, ...extra });
const fqdn = (name: string, ns = 'shop') => `${name}.${ns}.svc.cluster.local`;
/** The Istio destination of backendRef `name` (weight 1, the Gateway API default). */
const dest = (name: string, extra: any = {}, ns = 'shop') => ({ destination: { host: fqdn(name, ns) }, weight: 1, ...extra });
const WEB = [dest('web')];

const virtualServices = (objs: any[]) => gatewayApiAsIstio(objs).filter(o => o.kind === 'VirtualService');

/** The http rules of the one VirtualService a route of `kind` with `rules`, on Service shop/web, becomes. */
function httpRules(rules: any, kind = 'HTTPRoute'): any[] {
  const out = virtualServices([object(kind, 'web', { parentRefs: [onService()], rules })]);
  expect(out).toHaveLength(1);
  return out[0].spec.http;
}

/** The one Istio rule of a one-rule route (backendRef web unless the rule has its own). */
function oneRule(rule: any, kind = 'HTTPRoute'): any {
  const http = httpRules([{ backendRefs: [{ name: 'web' }], ...rule }], kind);
  expect(http).toHaveLength(1);
  return http[0];
}

/** The Istio `match` of a rule with the one Gateway API match `m`. */
const matchOf = (m: any, kind = 'HTTPRoute') => oneRule({ matches: [m] }, kind).match;

describe('which objects are converted', () => {
  test('no Gateway API objects: nothing', () => {
    expect(gatewayApiAsIstio([])).toEqual([]);
    expect(gatewayApiAsIstio([svc('web'), vs('web', { hosts: ['web'], http: [] }), gateway('edge', ['*'])])).toEqual([]);
  });

  test('objects of another API group with the same kinds, and TLSRoutes (which the simulator does not read), are not converted', () => {
    const spec = { parentRefs: [onService()], rules: [{ backendRefs: [{ name: 'web' }] }] };
    expect(gatewayApiAsIstio([
      { ...httpRoute('web', spec), apiVersion: 'example.com/v1' },
      { ...k8sGateway('edge', [{ name: 'http', port: 80, protocol: 'HTTP' }]), apiVersion: 'example.com/v1' },
      { ...httpRoute('web', spec), apiVersion: 'gateway.networking.k8s.io.example.com/v1' },
      object('TLSRoute', 'web', spec),
    ])).toEqual([]);
  });

  test('HTTPRoutes, GRPCRoutes and TCPRoutes each become a VirtualService; any version of the API group is read', () => {
    for (const kind of ['HTTPRoute', 'GRPCRoute', 'TCPRoute']) {
      const out = gatewayApiAsIstio([object(kind, 'web', { parentRefs: [onService()], rules: [{ backendRefs: [{ name: 'web' }] }] })]);
      expect({ kind, made: out.map(o => `${o.kind} ${o.metadata.annotations[FROM]}`) }).toEqual({ kind, made: [`VirtualService ${kind} shop/web`] });
    }
    const beta = { ...httpRoute('web', { parentRefs: [onService()], rules: [{}] }), apiVersion: 'gateway.networking.k8s.io/v1beta1' };
    expect(virtualServices([beta])).toHaveLength(1);
  });

  test('a waypoint Gateway (class istio-waypoint) is not an ingress Gateway: not converted', () => {
    expect(gatewayApiAsIstio([k8sGateway('waypoint', [{ name: 'mesh', port: 15008, protocol: 'HBONE' }], {}, 'istio-waypoint')])).toEqual([]);
  });

  test('a Gateway and a route: the Istio Gateway and its pods first, then the VirtualService', () => {
    const out = gatewayApiAsIstio([
      httpRoute('web', { parentRefs: [{ name: 'edge' }], rules: [{}] }),
      k8sGateway('edge', [{ name: 'http', port: 80, protocol: 'HTTP' }]),
    ]);
    expect(out.map(o => `${o.kind} ${o.metadata.name}`)).toEqual(['Gateway edge', 'Deployment edge-istio', 'VirtualService web']);
  });
});

describe('a Gateway is an Istio Gateway on the pods Istio deploys for it', () => {
  test('a server per listener: port, hosts (the hostname, else *), TLS for HTTPS', () => {
    const [istio] = gatewayApiAsIstio([k8sGateway('edge', [
      { name: 'http', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' },
      {
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        hostname: 'shop.example.com',
        tls: { mode: 'Terminate', certificateRefs: [{ name: 'shop-cert' }, { name: 'spare' }] },
      },
      { name: 'pass', port: 8443, protocol: 'HTTPS', tls: { mode: 'Passthrough' } },
      { name: 'tls', port: 8444, protocol: 'TLS', tls: { mode: 'Passthrough' } },
      { name: 'tls-end', port: 8445, protocol: 'TLS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'db-cert' }] } },
      { name: 'tcp', port: 9000, protocol: 'TCP' },
    ])]);
    expect(istio).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'shop', annotations: { [FROM]: 'Gateway shop/edge' } },
      spec: {
        selector: { [GATEWAY_LABEL]: 'edge' },
        servers: [
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] },
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: ['shop.example.com'],
            tls: { mode: 'SIMPLE', credentialName: 'shop-cert' },
          },
          { port: { number: 8443, name: 'pass', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'PASSTHROUGH' } },
          // A TLS listener's tls as an HTTPS one's (pilot buildTLS reads the listener's tls for either protocol).
          { port: { number: 8444, name: 'tls', protocol: 'TLS' }, hosts: ['*'], tls: { mode: 'PASSTHROUGH' } },
          { port: { number: 8445, name: 'tls-end', protocol: 'TLS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'db-cert' } },
          { port: { number: 9000, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] },
        ],
      },
    });
  });

  test('an HTTPS listener without a certificate terminates TLS without a credential', () => {
    for (const tls of [undefined, {}, { certificateRefs: [] }]) {
      const [istio] = gatewayApiAsIstio([k8sGateway('edge', [{ name: 'https', port: 443, protocol: 'HTTPS', tls }])]);
      expect(istio.spec.servers[0].tls).toStrictEqual({ mode: 'SIMPLE', credentialName: undefined });
    }
  });

  test('the pods: Deployment <name>-istio, one replica, labelled with the Gateway name, under ServiceAccount <name>-istio', () => {
    const [, pods] = gatewayApiAsIstio([k8sGateway('edge', [{ name: 'http', port: 80, protocol: 'HTTP' }])]);
    expect(pods).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'edge-istio', namespace: 'shop', annotations: { [FROM]: 'Gateway shop/edge' } },
      spec: { replicas: 1, template: { metadata: { labels: { [GATEWAY_LABEL]: 'edge' } }, spec: { serviceAccountName: 'edge-istio' } } },
    });
  });

  test('a Gateway without a namespace is in namespace default, where routes of namespace default find it', () => {
    const listeners = [{ name: 'http', port: 80, hostname: 'a.example.com' }];
    const edge = { apiVersion: API, kind: 'Gateway', metadata: { name: 'edge' }, spec: { listeners } };
    const spec = { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'web' }] }] };
    const route = { apiVersion: API, kind: 'HTTPRoute', metadata: { name: 'web' }, spec };
    // A Gateway without metadata (namespace default too) is no Gateway named edge.
    const [, , istio, pods, virtualService] = gatewayApiAsIstio([{ apiVersion: API, kind: 'Gateway' }, edge, route]);
    expect(istio.metadata).toEqual({ name: 'edge', namespace: 'default', annotations: { [FROM]: 'Gateway default/edge' } });
    expect(pods.metadata).toEqual({ name: 'edge-istio', namespace: 'default', annotations: { [FROM]: 'Gateway default/edge' } });
    expect(virtualService.metadata).toEqual({ name: 'web', namespace: 'default', annotations: { [FROM]: 'HTTPRoute default/web' } });
    expect(virtualService.spec).toEqual({
      hosts: ['a.example.com'], gateways: ['default/edge'], http: [{ match: [{ uri: { prefix: '/' } }], route: [dest('web', {}, 'default')] }],
    });
  });

  test('a Gateway without metadata, spec or listener list converts without throwing (no servers)', () => {
    const out = gatewayApiAsIstio([
      { apiVersion: API, kind: 'Gateway' },
      k8sGateway('odd', 'http' as any),
      k8sGateway('holes', [null, { name: 'http', port: 80, protocol: 'HTTP' }]),
    ]);
    expect(out.map(o => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Gateway default/undefined', 'Deployment default/undefined-istio', 'Gateway shop/odd', 'Deployment shop/odd-istio',
      'Gateway shop/holes', 'Deployment shop/holes-istio',
    ]);
    expect(out.filter(o => o.kind === 'Gateway').map(o => o.spec.servers.length)).toEqual([0, 0, 1]);
  });
});

describe('parentRefs: the VirtualService of each parent', () => {
  test("a Service parent (GAMMA): the Service host, bound to the mesh (no gateways), each match limited to the parentRef's port", () => {
    const rules = [{ backendRefs: [{ name: 'web-v1', port: 8080 }] }];
    const out = gatewayApiAsIstio([httpRoute('web', { parentRefs: [onService('web', { port: 80 })], rules })]);
    expect(out).toEqual([{
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web', namespace: 'shop', annotations: { [FROM]: 'HTTPRoute shop/web' } },
      spec: {
        hosts: ['web.shop.svc.cluster.local'],
        http: [{ match: [{ uri: { prefix: '/' }, port: 80 }], route: [dest('web-v1', { destination: { host: fqdn('web-v1'), port: { number: 8080 } } })] }],
      },
    }]);
    // pilot's augmentPortMatch: the port of the parentRef joins every match; a port that is not a number is none.
    const two = (port: unknown) => virtualServices([httpRoute('web', {
      parentRefs: [onService('web', { port })],
      rules: [{ matches: [{ path: { type: 'Exact', value: '/a' } }, { headers: [{ name: 'x', value: '1' }] }], backendRefs: [{ name: 'web' }] }],
    })])[0].spec.http.map((r: any) => r.match);
    expect(two(9090)).toEqual([[{ uri: { exact: '/a' }, port: 9090 }], [{ uri: { prefix: '/' }, headers: { x: { exact: '1' } }, port: 9090 }]]);
    expect(two('9090')).toEqual([[{ uri: { exact: '/a' } }], [{ uri: { prefix: '/' }, headers: { x: { exact: '1' } } }]]);
  });

  test('a route on a port of a two-port Service takes the requests to that port only', () => {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }, { name: 'http-admin', port: 9090 }] },
    };
    const sim = RoutingSimulator.fromManifests([service,
      httpRoute('admin', { parentRefs: [onService('web', { port: 9090 })], rules: [{ backendRefs: [{ name: 'web-admin', port: 9090 }] }] })]);
    expect(sim.route({ host: 'web.shop.svc.cluster.local', port: 9090 }).destinations.map(d => d.host)).toEqual([fqdn('web-admin')]);
    expect(sim.route({ host: 'web.shop.svc.cluster.local', port: 80 }).destinations.map(d => d.host)).not.toEqual([fqdn('web-admin')]);
  });

  test('a Service parent is the Service, even where a Gateway of the same namespace and name has listeners', () => {
    const web = k8sGateway('web', [{ name: 'a', port: 80, hostname: 'a.example.com' }, { name: 'b', port: 81, hostname: 'b.example.com' }]);
    const out = virtualServices([web, httpRoute('web', { parentRefs: [onService()], rules: [{ backendRefs: [{ name: 'web' }] }] })]);
    expect(out.map(o => o.spec)).toEqual([{ hosts: [fqdn('web')], http: [{ match: [{ uri: { prefix: '/' } }], route: WEB }] }]);
  });

  test('a Service parent written without a group attaches the route to nothing (the CRD defaults the group to the Gateway API\'s)', () => {
    // ParentReference.group defaults to gateway.networking.k8s.io, and there is no Gateway API kind Service.
    expect(virtualServices([httpRoute('web', { parentRefs: [{ kind: 'Service', name: 'web' }], rules: [{}] })])).toEqual([]);
    expect(virtualServices([httpRoute('web', { parentRefs: [{ kind: 'Service', group: API_GROUP, name: 'web' }], rules: [{}] })])).toEqual([]);
    expect(virtualServices([httpRoute('web', { parentRefs: [{ kind: 'Service', group: '', name: 'web' }], rules: [{}] })])).toHaveLength(1);
  });

  test('a Gateway parent: kind Gateway and group gateway.networking.k8s.io, written or not', () => {
    const refs = [
      { name: 'edge' }, { kind: 'Gateway', name: 'edge' }, { group: API_GROUP, name: 'edge' }, { group: API_GROUP, kind: 'Gateway', name: 'edge' },
    ];
    for (const ref of refs) {
      const out = virtualServices([httpRoute('web', { parentRefs: [ref], rules: [{ backendRefs: [{ name: 'web' }] }] })]);
      // No such Gateway among the objects: no listeners, so any host.
      expect({ ref, specs: out.map(o => o.spec) }).toEqual({
        ref, specs: [{ hosts: ['*'], gateways: ['shop/edge'], http: [{ match: [{ uri: { prefix: '/' } }], route: WEB }] }],
      });
    }
  });

  test('refs of other kinds or groups, without a string name, or not objects, attach nothing', () => {
    const parentRefs = [
      null, 'edge', 5, { name: 5 }, { kind: 'Service' }, { group: '', kind: 'Service', name: 7 },
      { group: 'example.com', kind: 'Service', name: 'web' }, { group: '', kind: 'ServiceImport', name: 'web' },
      { group: 'example.com', kind: 'Gateway', name: 'edge' }, { group: '', kind: 'Gateway', name: 'edge' },
      { group: API_GROUP, kind: 'ListenerSet', name: 'edge' },
    ];
    expect(gatewayApiAsIstio([httpRoute('web', { parentRefs, rules: [{}] })])).toEqual([]);
    expect(gatewayApiAsIstio([httpRoute('web', { parentRefs: { name: 'edge' }, rules: [{}] })])).toEqual([]);
    expect(gatewayApiAsIstio([{ apiVersion: API, kind: 'HTTPRoute', metadata: { name: 'web', namespace: 'shop' } }])).toEqual([]);
  });

  test("a ref's namespace overrides the route's; backends stay in the route's namespace", () => {
    const out = gatewayApiAsIstio([
      k8sGateway('edge', [{ name: 'http', port: 80, hostname: 'infra.example.com' }], { namespace: 'infra' }),
      k8sGateway('edge', [{ name: 'http', port: 80, hostname: 'shop.example.com' }]),
      httpRoute('web', {
        parentRefs: [onService('api', { namespace: 'api-ns' }), { name: 'edge', namespace: 'infra' }], rules: [{ backendRefs: [{ name: 'web' }] }],
      }),
    ]).filter(o => o.kind === 'VirtualService');
    expect(out.map(o => o.spec)).toEqual([
      { hosts: ['api.api-ns.svc.cluster.local'], http: [{ match: [{ uri: { prefix: '/' } }], route: WEB }] },
      { hosts: ['infra.example.com'], gateways: ['infra/edge'], http: [{ match: [{ uri: { prefix: '/' } }], route: WEB }] },
    ]);
  });

  test('one VirtualService per parent; the routes of one parent are one VirtualService', () => {
    const out = virtualServices([
      httpRoute('a', { parentRefs: [onService('web'), onService('api')], rules: [{ name: 'a', backendRefs: [{ name: 'web' }] }] }),
      httpRoute('b', {
        parentRefs: [onService('web')], rules: [{ name: 'b', matches: [{ path: { type: 'Exact', value: '/b' } }], backendRefs: [{ name: 'web' }] }],
      }),
    ]);
    expect(out.map(o => [o.metadata.name, o.spec.hosts, o.spec.http.map((r: any) => r.name)])).toEqual([
      ['a+b', [fqdn('web')], ['b', 'a']],
      ['a', [fqdn('api')], ['a']],
    ]);
  });

  test('a route without metadata is in namespace default and converts without throwing', () => {
    const out = virtualServices([
      { apiVersion: API, kind: 'HTTPRoute', spec: { parentRefs: [onService()], rules: [{}] } },
      httpRoute('web', { parentRefs: [onService('web', { namespace: 'default' })], rules: [{}] }, { creationTimestamp: '2024-01-01T00:00:00Z' }),
    ]);
    expect(out.map(o => [o.metadata.name, o.metadata.annotations[FROM], o.spec.hosts])).toEqual([
      ['+web', 'HTTPRoute default/undefined, HTTPRoute shop/web', [fqdn('web', 'default')]],
    ]);
    const reversed = virtualServices([
      httpRoute('web', { parentRefs: [onService('web', { namespace: 'default' })], rules: [{}] }, { creationTimestamp: '2024-01-01T00:00:00Z' }),
      { apiVersion: API, kind: 'HTTPRoute', spec: { parentRefs: [onService()], rules: [{}] } },
    ]);
    expect(reversed.map(o => o.metadata.name)).toEqual(['web+']);
  });
});

describe('Gateway parents: listeners (sectionName) and hosts', () => {
  const edge = k8sGateway('edge', [
    { name: 'http', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' },
    { name: 'alt', port: 8080, protocol: 'HTTP', hostname: 'shop.example.com' },
  ]);
  const exact = (value: string) => ({ path: { type: 'Exact', value } });

  test("a sectionName limits every match to that listener's port", () => {
    const [virtualService] = virtualServices([edge, httpRoute('web', {
      parentRefs: [{ name: 'edge', sectionName: 'alt' }],
      rules: [{ matches: [exact('/a'), exact('/b')], backendRefs: [{ name: 'web' }] }, { name: 'rest', backendRefs: [{ name: 'web' }] }],
    })]);
    expect(virtualService.spec).toEqual({
      hosts: ['shop.example.com'],
      gateways: ['shop/edge'],
      http: [
        { match: [{ uri: { exact: '/a' }, port: 8080 }], route: WEB },
        { match: [{ uri: { exact: '/b' }, port: 8080 }], route: WEB },
        { name: 'rest', match: [{ uri: { prefix: '/' }, port: 8080 }], route: WEB },
      ],
    });
  });

  test('without a sectionName: all listeners, no port on the matches, their hostnames once each', () => {
    const rules = [{ matches: [exact('/a')], backendRefs: [{ name: 'web' }] }];
    const out = virtualServices([edge, httpRoute('web', { parentRefs: [{ name: 'edge' }], rules })]);
    expect(out.map(o => o.spec)).toEqual([
      { hosts: ['shop.example.com'], gateways: ['shop/edge'], http: [{ match: [{ uri: { exact: '/a' } }], route: WEB }] },
    ]);
  });

  test('a sectionName no listener has attaches the route nowhere', () => {
    expect(virtualServices([edge, httpRoute('web', { parentRefs: [{ name: 'edge', sectionName: 'https' }], rules: [{}] })])).toEqual([]);
  });

  test("hosts: the route's hostnames, else its listeners' when each has one, else *", () => {
    const mixed = k8sGateway('edge', [
      { name: 'a', port: 80, hostname: 'a.example.com' }, { name: 'any', port: 81 }, { name: 'odd', port: 82, hostname: 5 },
    ]);
    const hostsOf = (ref: any, hostnames?: any) =>
      virtualServices([mixed, httpRoute('web', { parentRefs: [ref], hostnames, rules: [{}] })]).map(o => o.spec.hosts);
    expect(hostsOf({ name: 'edge' })).toEqual([['*']]);
    expect(hostsOf({ name: 'edge', sectionName: 'a' })).toEqual([['a.example.com']]);
    expect(hostsOf({ name: 'edge', sectionName: 'odd' })).toEqual([['*']]);
    expect(hostsOf({ name: 'edge' }, [])).toEqual([['*']]);
    expect(hostsOf({ name: 'edge', sectionName: 'a' }, 'x.example.com')).toEqual([['a.example.com']]);
    // One VirtualService per hostname (non-strings dropped), each with the route's rules.
    const hostnames = ['x.example.com', 5, 'y.example.com'];
    const rules = [{ backendRefs: [{ name: 'web' }] }];
    const out = virtualServices([mixed, httpRoute('web', { parentRefs: [{ name: 'edge' }], hostnames, rules })]);
    expect(out.map(o => [o.metadata.name, o.spec.hosts, o.spec.gateways, o.spec.http])).toEqual([
      ['web', ['x.example.com'], ['shop/edge'], [{ match: [{ uri: { prefix: '/' } }], route: WEB }]],
      ['web', ['y.example.com'], ['shop/edge'], [{ match: [{ uri: { prefix: '/' } }], route: WEB }]],
    ]);
  });

  test('the routes of one host of one Gateway are one VirtualService, however they name the host', () => {
    const out = virtualServices([edge,
      httpRoute('named', { parentRefs: [{ name: 'edge' }], hostnames: ['shop.example.com'], rules: [{ name: 'named' }] }),
      httpRoute('listener', { parentRefs: [{ name: 'edge', sectionName: 'http' }], rules: [{ name: 'listener' }] }),
      httpRoute('other', { parentRefs: [{ name: 'edge' }], hostnames: ['other.example.com'], rules: [{ name: 'other' }] })]);
    expect(out.map(o => [o.metadata.name, o.spec.hosts, o.spec.http.map((r: any) => r.name)])).toEqual([
      ['named+listener', ['shop.example.com'], ['named', 'listener']],
      ['other', ['other.example.com'], ['other']],
    ]);
  });

  test('the listeners are those of the Gateway of that namespace and name', () => {
    const out = virtualServices([
      k8sGateway('edge', [{ name: 'http', port: 80, hostname: 'other.example.com' }], { namespace: 'other' }),
      { apiVersion: API, kind: 'Gateway', spec: { listeners: [{ name: 'http', port: 80, hostname: 'nameless.example.com' }] } },
      k8sGateway('api', [{ name: 'http', port: 80, hostname: 'api.example.com' }]),
      edge,
      httpRoute('web', { parentRefs: [{ name: 'edge', sectionName: 'http' }], rules: [{}] }),
    ]);
    expect(out.map(o => [o.spec.hosts, o.spec.http[0].match])).toEqual([[['shop.example.com'], [{ uri: { prefix: '/' }, port: 80 }]]]);
  });

  test('a Gateway without spec has no listeners: its routes take any host', () => {
    const bare = { apiVersion: API, kind: 'Gateway', metadata: { name: 'edge', namespace: 'shop' } };
    const out = virtualServices([bare, httpRoute('web', { parentRefs: [{ name: 'edge' }], rules: [{}] })]);
    expect(out.map(o => [o.spec.hosts, o.spec.gateways])).toEqual([[['*'], ['shop/edge']]]);
  });

  test('TCPRoutes and HTTP routes of one parent are separate VirtualServices; TCP rules are tcp routes', () => {
    const tcp = object('TCPRoute', 'db', {
      parentRefs: [{ name: 'edge' }, onService('db')], rules: [{ name: 'pg', backendRefs: [{ name: 'db', port: 5432 }] }],
    });
    const http = httpRoute('web', { parentRefs: [{ name: 'edge' }, onService('db')], rules: [{ backendRefs: [{ name: 'web' }] }] });
    const pg = [dest('db', { destination: { host: fqdn('db'), port: { number: 5432 } } })];
    const out = virtualServices([edge, tcp, http]);
    expect(out.map(o => [o.metadata.name, o.spec])).toEqual([
      ['db', { hosts: ['shop.example.com'], gateways: ['shop/edge'], tcp: [{ route: pg }] }],
      ['db', { hosts: [fqdn('db')], tcp: [{ route: pg }] }],
      ['web', { hosts: ['shop.example.com'], gateways: ['shop/edge'], http: [{ match: [{ uri: { prefix: '/' } }], route: WEB }] }],
      ['web', { hosts: [fqdn('db')], http: [{ match: [{ uri: { prefix: '/' } }], route: WEB }] }],
    ]);
    // A TCP rule without backends routes nowhere (no 500: TCP has no status).
    const none = virtualServices([object('TCPRoute', 'db', { parentRefs: [onService('db')], rules: [{ backendRefs: [] }] })]);
    expect(none.map(o => o.spec.tcp)).toEqual([[{ route: [] }]]);
  });
});

describe('route order: the oldest route first, then by namespace and name', () => {
  // Routes of several namespaces on one Gateway (the Gateway need not be among the objects).
  const at = (name: string, creationTimestamp: any, namespace = 'shop') =>
    httpRoute(name, { parentRefs: [{ name: 'edge', namespace: 'shop' }], rules: [{ name, backendRefs: [{ name: 'web' }] }] },
      { namespace, creationTimestamp });

  test('by creation time, then namespace/name; the name and annotation list the routes in that order; rule ties keep it', () => {
    const [virtualService] = virtualServices([
      at('a', '2024-01-02T00:00:00Z'), at('b', '2024-01-02T00:00:00Z'), at('z', '2024-01-01T00:00:00Z'),
      at('y', '2024-01-02T00:00:00Z', 'alpha'), at('c', '2024-01-02T00:00:00Z', 'beta'),
    ]);
    expect(virtualService.metadata.name).toBe('z+y+c+a+b');
    expect(virtualService.metadata.annotations).toEqual({
      [FROM]: 'HTTPRoute shop/z, HTTPRoute alpha/y, HTTPRoute beta/c, HTTPRoute shop/a, HTTPRoute shop/b',
    });
    expect(virtualService.spec.http.map((r: any) => r.name)).toEqual(['z', 'y', 'c', 'a', 'b']);
  });

  test('two manifests of one route (same namespace, name and creation time) keep their order', () => {
    const twice = (rule: string) =>
      httpRoute('dup', { parentRefs: [onService()], rules: [{ name: rule }] }, { creationTimestamp: '2024-01-01T00:00:00Z' });
    const [virtualService] = virtualServices([twice('first'), twice('second')]);
    expect(virtualService.metadata.name).toBe('dup+dup');
    expect(virtualService.spec.http.map((r: any) => r.name)).toEqual(['first', 'second']);
  });

  test('without creation times on both (or with one that is not a string), the manifests keep their order', () => {
    expect(virtualServices([at('b', '2024-01-02T00:00:00Z'), at('a', undefined)])[0].metadata.name).toBe('b+a');
    expect(virtualServices([at('b', '2'), at('a', 1)])[0].metadata.name).toBe('b+a');
    expect(virtualServices([at('b', 5), at('a', '2')])[0].metadata.name).toBe('b+a');
    expect(virtualServices([at('b', undefined), at('a', undefined)])[0].metadata.name).toBe('b+a');
  });
});

describe('HTTPRoute rules: matches', () => {
  test('a rule without matches is PathPrefix /; its name is kept when it is a string', () => {
    expect(oneRule({})).toEqual({ match: [{ uri: { prefix: '/' } }], route: WEB });
    expect(oneRule({ name: 'main' })).toEqual({ name: 'main', match: [{ uri: { prefix: '/' } }], route: WEB });
    expect(oneRule({ name: 5 })).toEqual({ match: [{ uri: { prefix: '/' } }], route: WEB });
    expect(oneRule({ matches: [] })).toEqual({ match: [{ uri: { prefix: '/' } }], route: WEB });
    expect(oneRule({ matches: [null, {}] })).toEqual({ match: [{ uri: { prefix: '/' } }], route: WEB });
  });

  test('paths: Exact, RegularExpression, and PathPrefix as whole segments (a regex, the trailing / ignored)', () => {
    const cases: Array<[any, any]> = [
      [{}, { uri: { prefix: '/' } }],
      [{ path: { type: 'PathPrefix', value: '/' } }, { uri: { prefix: '/' } }],
      [{ path: { type: 'Exact', value: '/a' } }, { uri: { exact: '/a' } }],
      [{ path: { type: 'RegularExpression', value: '/a.*' } }, { uri: { regex: '/a.*' } }],
      [{ path: { type: 'PathPrefix', value: '/api' } }, { uri: { regex: '/api(/.*)?' } }],
      [{ path: { type: 'PathPrefix', value: '/api/' } }, { uri: { regex: '/api(/.*)?' } }],
      [{ path: { type: 'PathPrefix', value: '/api//' } }, { uri: { regex: '/api(/.*)?' } }],
      [{ path: { type: 'PathPrefix', value: '/api/v1' } }, { uri: { regex: '/api/v1(/.*)?' } }],
      // RE2 metacharacters of the prefix are quoted.
      [{ path: { type: 'PathPrefix', value: '/v1.0/a+b' } }, { uri: { regex: '/v1\\.0/a\\+b(/.*)?' } }],
      // The CRD's defaults: type PathPrefix, value '/' (a value that is not a string reads as '/').
      [{ path: { value: '/api' } }, { uri: { regex: '/api(/.*)?' } }],
      [{ path: { type: 'PathPrefix', value: 7 } }, { uri: { prefix: '/' } }],
      [{ path: { type: 'Exact', value: 7 } }, { uri: { exact: '/' } }],
      [{ path: { type: 'Exact' } }, { uri: { exact: '/' } }],
      [{ path: { type: 'RegularExpression', value: null } }, { uri: { regex: '/' } }],
    ];
    for (const [m, block] of cases) {
      expect({ m, match: matchOf(m) }).toEqual({ m, match: [block] });
    }
  });

  test('methods, and empty or malformed header and query lists, which add nothing', () => {
    const cases: Array<[any, any]> = [
      [{ method: 'POST' }, { uri: { prefix: '/' }, method: { exact: 'POST' } }],
      [{ method: 5 }, { uri: { prefix: '/' } }],
      [{ headers: [], queryParams: [] }, { uri: { prefix: '/' } }],
      [{ headers: 'x-a', queryParams: { name: 'q' } }, { uri: { prefix: '/' } }],
      [{ headers: [null], queryParams: [7] }, { uri: { prefix: '/' } }],
    ];
    for (const [m, block] of cases) {
      expect({ m, match: matchOf(m) }).toEqual({ m, match: [block] });
    }
  });

  test('headers and query parameters as maps of string matches: Exact unless RegularExpression; nameless entries dropped', () => {
    const list = [
      null,
      { name: 'x-exact', value: '1' },
      { name: 'x-typed', type: 'Exact', value: '2' },
      { name: 'x-regex', type: 'RegularExpression', value: 'v[0-9]+' },
      { name: 'x-number', value: 9 },
      { name: 'x-regex-number', type: 'RegularExpression', value: 9 },
      { name: 7, value: 'seven' },
      { value: 'nameless' },
    ];
    const map = {
      'x-exact': { exact: '1' },
      'x-typed': { exact: '2' },
      'x-regex': { regex: 'v[0-9]+' },
      'x-number': { exact: '' },
      'x-regex-number': { regex: '' },
    };
    expect(matchOf({ path: { type: 'Exact', value: '/a' }, headers: list, queryParams: list, method: 'GET' })).toEqual([{
      uri: { exact: '/a' }, headers: map, queryParams: map, method: { exact: 'GET' },
    }]);
  });

  test('precedence: exact path, then prefixes longest first, then regexes (a rule without matches is PathPrefix /)', () => {
    const rules = [
      { name: 'regex', matches: [{ path: { type: 'RegularExpression', value: '/r.*' } }] },
      { name: 'catch-all' },
      { name: 'short', matches: [{ path: { type: 'PathPrefix', value: '/a' } }] },
      { name: 'long', matches: [{ path: { type: 'PathPrefix', value: '/abc' } }] },
      { name: 'exact', matches: [{ path: { type: 'Exact', value: '/x' } }] },
    ];
    expect(httpRules(rules).map(r => r.name)).toEqual(['exact', 'long', 'short', 'catch-all', 'regex']);
  });

  test('precedence on one path: a method first, then more headers, then more query parameters; ties keep the rule order', () => {
    const h = (name: string) => ({ name, value: '1' });
    const rules = [
      { name: 'plain' },
      { name: 'query', matches: [{ queryParams: [h('q')] }] },
      { name: 'one-header', matches: [{ headers: [h('a')], queryParams: [h('q'), h('r')] }] },
      { name: 'two-headers', matches: [{ headers: [h('a'), h('b')] }] },
      { name: 'method', matches: [{ method: 'GET' }] },
      { name: 'plain-2', matches: [{}] },
      { name: 'plain-3', matches: [{ path: { type: 'PathPrefix', value: '/' } }] },
    ];
    expect(httpRules(rules).map(r => r.name)).toEqual(['method', 'two-headers', 'one-header', 'query', 'plain', 'plain-2', 'plain-3']);
  });

  test('each match of a rule is a rule of its own, placed by its own precedence', () => {
    const http = httpRules([
      { name: 'both', matches: [{ path: { type: 'PathPrefix', value: '/a' } }, { path: { type: 'Exact', value: '/b' } }] },
      { name: 'mid', matches: [{ path: { type: 'PathPrefix', value: '/ab' } }] },
    ]);
    expect(http.map(r => [r.name, r.match])).toEqual([
      ['both', [{ uri: { exact: '/b' } }]],
      ['mid', [{ uri: { regex: '/ab(/.*)?' } }]],
      ['both', [{ uri: { regex: '/a(/.*)?' } }]],
    ]);
  });
});

describe('GRPCRoute rules: the method is the request path', () => {
  test('service and method exact: an exact path; a service alone: its prefix; a method alone: a regex; RegularExpression unquoted', () => {
    // istio/istio pilot/pkg/config/kube/gateway conversion.go createGRPCURIMatch.
    const cases: Array<[any, any]> = [
      [{ method: { service: 'shop.Catalog', method: 'List' } }, { uri: { exact: '/shop.Catalog/List' } }],
      [{ method: { type: 'Exact', service: 'shop.Catalog', method: 'List' } }, { uri: { exact: '/shop.Catalog/List' } }],
      [{ method: { service: 'shop.Catalog' } }, { uri: { prefix: '/shop.Catalog/' } }],
      [{ method: { method: 'Get.All' } }, { uri: { regex: '/[^/]+/Get\\.All' } }],
      [{ method: { service: 5, method: 'List' } }, { uri: { regex: '/[^/]+/List' } }],
      [{ method: { service: 'shop.Catalog', method: 5 } }, { uri: { prefix: '/shop.Catalog/' } }],
      [{ method: { type: 'RegularExpression', service: 'shop\\..*', method: 'L.*' } }, { uri: { regex: '/shop\\..*/L.*' } }],
      [{ method: { type: 'RegularExpression', service: 'shop.Catalog' } }, { uri: { regex: '/shop.Catalog/.+' } }],
      [{ method: { type: 'RegularExpression', method: 'Get.All' } }, { uri: { regex: '/[^/]+/Get.All' } }],
      [{ method: { type: 'RegularExpression' } }, { uri: { regex: '/[^/]+/.+' } }],
      // Header matches as for HTTPRoutes; a GRPCRoute has no path, query or HTTP method match.
      [{ method: { service: 'a.B', method: 'M' }, headers: [{ name: 'x', type: 'RegularExpression', value: 'q.*' }] },
        { uri: { exact: '/a.B/M' }, headers: { x: { regex: 'q.*' } } }],
      [{ headers: [{ name: 'x-team', value: 'qa' }], queryParams: [{ name: 'q', value: '1' }], path: { type: 'Exact', value: '/x' } },
        { headers: { 'x-team': { exact: 'qa' } } }],
    ];
    for (const [m, block] of cases) {
      expect({ m, match: matchOf(m, 'GRPCRoute') }).toEqual({ m, match: [block] });
    }
  });

  test('a gRPC match with neither method nor headers, or a rule without matches, is a rule without match', () => {
    for (const m of [{}, { method: {} }, { headers: [] }]) {
      expect({ m, rule: oneRule({ matches: [m] }, 'GRPCRoute') }).toEqual({ m, rule: { route: WEB } });
    }
    expect(oneRule({ name: 'all' }, 'GRPCRoute')).toEqual({ name: 'all', route: WEB });
  });

  test('order: exact methods, then regexes, then matches without a method (more headers first)', () => {
    const rules = [
      { name: 'none' },
      { name: 'header', matches: [{ headers: [{ name: 'a', value: '1' }] }] },
      { name: 'two-headers', matches: [{ headers: [{ name: 'a', value: '1' }, { name: 'b', value: '1' }] }] },
      { name: 'service', matches: [{ method: { service: 'shop.Catalog' } }] },
      { name: 'exact', matches: [{ method: { service: 'shop.Catalog', method: 'List' } }] },
    ];
    expect(httpRules(rules, 'GRPCRoute').map(r => r.name)).toEqual(['exact', 'service', 'two-headers', 'header', 'none']);
  });

  test('with the HTTPRoutes of the same Service: a gRPC match without a method comes after every path, even an empty regex', () => {
    const out = virtualServices([
      object('GRPCRoute', 'g', {
        parentRefs: [onService()],
        rules: [
          { name: 'g-header', matches: [{ headers: [{ name: 'x-team', value: 'qa' }] }] },
          { name: 'g-exact', matches: [{ method: { service: 'shop.Catalog', method: 'List' } }] },
        ],
      }),
      httpRoute('h', {
        parentRefs: [onService()],
        rules: [{ name: 'h-empty-regex', matches: [{ path: { type: 'RegularExpression', value: '' } }] }, { name: 'h-all' }],
      }),
    ]);
    expect(out.map(o => [o.metadata.name, o.metadata.annotations[FROM], o.spec.http.map((r: any) => r.name)])).toEqual([
      ['g+h', 'GRPCRoute shop/g, HTTPRoute shop/h', ['g-exact', 'h-all', 'h-empty-regex', 'g-header']],
    ]);
  });
});

describe('backendRefs', () => {
  test('Services by name (and namespace), with port and weight (1 unless a number); other kinds and malformed refs are dropped', () => {
    const rule = oneRule({
      backendRefs: [
        { name: 'a' },
        { name: 'b', port: 8080, weight: 3 },
        { name: 'c', namespace: 'other', weight: 0 },
        { kind: 'Service', group: '', name: 'd' },
        { kind: 'ServiceImport', group: 'multicluster.x-k8s.io', name: 'e' },
        { kind: 'ServiceImport', name: 'f' },
        { group: 'example.com', name: 'g' },
        { name: 5 },
        { name: 'h', namespace: 7 },
        { name: 'i', port: '80', weight: '2' },
        null,
      ],
    });
    expect(rule.route).toEqual([
      dest('a'),
      dest('b', { destination: { host: fqdn('b'), port: { number: 8080 } }, weight: 3 }),
      dest('c', { weight: 0 }, 'other'),
      dest('d'),
      dest('i'),
    ]);
    expect(oneRule({ backendRefs: 'web' }).route).toBeUndefined();
  });

  test('a rule whose backends weigh 0 in all, or that has none, answers 500 (Gateway API; pilot convertHTTPRoute weightSum)', () => {
    for (const backendRefs of [undefined, [], [{ name: 'a', weight: 0 }], [{ name: 'a', weight: 0 }, { kind: 'ServiceImport', name: 'b', weight: 0 }]]) {
      const rule = oneRule({ backendRefs });
      expect([backendRefs, rule.directResponse, rule.route]).toEqual([backendRefs, { status: 500 }, undefined]);
    }
    expect(oneRule({ backendRefs: [] }, 'GRPCRoute').directResponse).toEqual({ status: 500 });
    // A backend of another kind still weighs 1: the rule routes (to the Services among its backends).
    expect(oneRule({ backendRefs: [{ kind: 'ServiceImport', name: 'b' }] })).toEqual({ match: [{ uri: { prefix: '/' } }], route: [] });
    expect(oneRule({ backendRefs: [{ name: 'a', weight: 0 }, { name: 'b' }] }).route).toEqual([dest('a', { weight: 0 }), dest('b')]);
    // A redirect answers itself.
    expect(oneRule({ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }], backendRefs: [] }).directResponse).toBeUndefined();
    const sim = RoutingSimulator.fromManifests([httpRoute('web', { parentRefs: [onService()], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/gone' } }] }] })]);
    expect(sim.route({ host: fqdn('web'), path: '/gone/x' })).toMatchObject({ kind: OutcomeKind.DIRECT_RESPONSE, status: 500 });
  });

  test('header modifier filters of a backendRef: headers.request and headers.response with set, add and remove', () => {
    const rule = oneRule({
      backendRefs: [
        {
          name: 'a',
          filters: [
            null,
            {
              type: 'RequestHeaderModifier',
              requestHeaderModifier: { set: [{ name: 'x-s', value: '1' }, null], add: [{ name: 'x-a', value: '2' }], remove: ['x-r'] },
            },
            { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'y-s', value: '3' }] } },
          ],
        },
        { name: 'b', filters: [{ type: 'RequestHeaderModifier' }] },
        { name: 'c', filters: [{ type: 'ResponseHeaderModifier', responseHeaderModifier: { set: 'x', add: {}, remove: 'x-r' } }] },
        { name: 'd', filters: [] },
        { name: 'e', filters: 'RequestHeaderModifier' },
        { name: 'f', filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'm' } } }] },
      ],
    });
    expect(rule.route).toEqual([
      dest('a', { headers: { request: { set: { 'x-s': '1' }, add: { 'x-a': '2' }, remove: ['x-r'] }, response: { set: { 'y-s': '3' } } } }),
      dest('b', { headers: { request: {} } }),
      dest('c', { headers: { response: {} } }),
      dest('d'),
      dest('e'),
      dest('f'),
    ]);
    // The filters of a rule modify the headers of all its requests the same way.
    expect(oneRule({ filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { remove: ['x-debug'] } }] }).headers)
      .toEqual({ request: { remove: ['x-debug'] } });
  });
});

describe('rule filters', () => {
  const FIELD: { [type: string]: string } = { URLRewrite: 'urlRewrite', RequestRedirect: 'requestRedirect', RequestMirror: 'requestMirror' };
  const filter = (type: string, body: any) => ({ type, [FIELD[type]]: body });

  test('URLRewrite: ReplaceFullPath and ReplacePrefixMatch rewrite the path, hostname the authority; the rule still routes', () => {
    const full = oneRule({
      filters: [filter('URLRewrite', {
        path: { type: 'ReplaceFullPath', replaceFullPath: '/new', replacePrefixMatch: '/no' }, hostname: 'new.example.com',
      })],
    });
    expect(full.rewrite).toStrictEqual({ uri: '/new', authority: 'new.example.com' });
    expect(full.route).toEqual(WEB);
    const prefix = oneRule({
      filters: [filter('URLRewrite', { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/v2', replaceFullPath: '/no' } })],
    });
    expect(prefix.rewrite).toStrictEqual({ uri: '/v2' });
    // pilot's createRewriteFilter drops a trailing '/' of the prefix replacement; '/' (remove the prefix) stays.
    const replaced = (replacePrefixMatch: string) =>
      oneRule({ filters: [filter('URLRewrite', { path: { type: 'ReplacePrefixMatch', replacePrefixMatch } })] }).rewrite.uri;
    expect(['/v2/', '/', '/a/b/'].map(replaced)).toEqual(['/v2', '/', '/a/b']);
    expect(oneRule({ filters: [filter('URLRewrite', { hostname: 'h.example.com' })] }).rewrite).toStrictEqual({ authority: 'h.example.com' });
    expect(oneRule({ filters: [{ type: 'URLRewrite' }] }).rewrite).toBeUndefined();
  });

  test('RequestRedirect: scheme, hostname as authority, port, status 302 unless given; the rule routes nowhere', () => {
    const redirect = oneRule({
      filters: [filter('RequestRedirect', { scheme: 'https', hostname: 'secure.example.com', port: 8443, statusCode: 301 })],
    });
    expect(redirect).toEqual({
      match: [{ uri: { prefix: '/' } }], redirect: { scheme: 'https', authority: 'secure.example.com', port: 8443, redirectCode: 301 },
    });
    const bare = oneRule({ filters: [filter('RequestRedirect', {})] });
    expect(bare.redirect).toStrictEqual({ redirectCode: 302 });
    expect('route' in bare).toBe(false);
    expect(oneRule({ filters: [{ type: 'RequestRedirect' }] })).toEqual({ match: [{ uri: { prefix: '/' } }], route: WEB });
  });

  test('RequestMirror: percent, else the fraction (denominator 100 unless given), else 100%; mirrors without a backend name are dropped', () => {
    const rule = oneRule({
      filters: [
        filter('RequestMirror', { backendRef: { name: 'shadow', port: 9090 }, percent: 25 }),
        filter('RequestMirror', { backendRef: { name: 'quarter', namespace: 'other' }, fraction: { numerator: 1, denominator: 4 } }),
        filter('RequestMirror', { backendRef: { name: 'five', port: '9090' }, fraction: { numerator: 5 } }),
        filter('RequestMirror', { backendRef: { name: 'all' } }),
        filter('RequestMirror', { backendRef: { name: 5 } }),
        filter('RequestMirror', {}),
        { type: 'RequestMirror' },
      ],
    });
    expect(rule.mirrors).toEqual([
      { destination: { host: fqdn('shadow'), port: { number: 9090 } }, percentage: { value: 25 } },
      { destination: { host: fqdn('quarter', 'other') }, percentage: { value: 25 } },
      { destination: { host: fqdn('five') }, percentage: { value: 5 } },
      { destination: { host: fqdn('all') }, percentage: { value: 100 } },
    ]);
    expect(rule.route).toEqual(WEB);
    expect('mirrors' in oneRule({ filters: [filter('RequestMirror', {}), { type: 'RequestHeaderModifier' }] })).toBe(false);
  });
});

describe('timeouts and retries', () => {
  test('timeouts.request is the timeout; durations of zero are none, as pilot reads them', () => {
    for (const request of ['10s', '100ms', '0m30s', '1h0m', '10m']) {
      expect({ request, timeout: oneRule({ timeouts: { request } }).timeout }).toEqual({ request, timeout: request });
    }
    for (const request of ['0s', '0ms', '0m', '0h', '00s', '0h0m0s', '0m0s0ms', 30, null]) {
      expect({ request, rule: oneRule({ timeouts: { request } }) })
        .toStrictEqual({ request, rule: { match: [{ uri: { prefix: '/' } }], route: WEB } });
    }
  });

  test('without retry, timeouts.backendRequest is the timeout (over timeouts.request, as in pilot)', () => {
    expect(oneRule({ timeouts: { backendRequest: '5s' } }).timeout).toBe('5s');
    expect(oneRule({ timeouts: { request: '10s', backendRequest: '5s' } }).timeout).toBe('5s');
    expect(oneRule({ timeouts: { request: '10s', backendRequest: '0s' } }).timeout).toBe('10s');
    const notObject = oneRule({ retry: true, timeouts: { backendRequest: '4s' } });
    expect(notObject.timeout).toBe('4s');
    expect(notObject.retries).toBeUndefined();
    expect(oneRule({ retry: null }).retries).toBeUndefined();
  });

  test('retry: 2 attempts unless given, on connection failures and the codes; backendRequest is the per-try timeout', () => {
    expect(oneRule({ retry: {} }).retries).toStrictEqual({ attempts: 2, retryOn: RETRY_ON });
    expect(oneRule({ retry: { attempts: '3', codes: '503' } }).retries).toStrictEqual({ attempts: 2, retryOn: RETRY_ON });
    const rule = oneRule({ retry: { attempts: 3, codes: [503, 502] }, timeouts: { request: '10s', backendRequest: '2s' } });
    expect(rule.timeout).toBe('10s');
    expect(rule.retries).toStrictEqual({ attempts: 3, retryOn: `${RETRY_ON},503,502`, perTryTimeout: '2s' });
    const zero = oneRule({ retry: { attempts: 1 }, timeouts: { backendRequest: '0s' } });
    expect(zero.retries).toStrictEqual({ attempts: 1, retryOn: RETRY_ON });
    expect(zero.timeout).toBeUndefined();
  });
});

describe('routed end to end by the RoutingSimulator', () => {
  const service = (name: string, selector: any) => ({
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector, ports: [{ name: 'http', port: 80 }] },
  });
  const pods = (version: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `reviews-${version}`, namespace: 'shop' },
    spec: { replicas: 1, template: { metadata: { labels: { app: 'reviews', version } } } },
  });
  const reviews = [
    service('reviews', { app: 'reviews' }),
    service('reviews-v1', { app: 'reviews', version: 'v1' }),
    service('reviews-v2', { app: 'reviews', version: 'v2' }),
    pods('v1'), pods('v2'),
  ];
  const to = (name: string, weight?: number) => ({ name, port: 80, ...(weight !== undefined ? { weight } : {}) });

  test('GAMMA: an HTTPRoute on Service reviews splits 90/10 between the version Services', () => {
    const sim = RoutingSimulator.fromManifests([...reviews, httpRoute('reviews', {
      parentRefs: [onService('reviews', { port: 80 })], rules: [{ backendRefs: [to('reviews-v1', 90), to('reviews-v2', 10)] }],
    })]);
    const o = sim.route({ host: 'reviews' });
    expect(o.kind).toBe(OutcomeKind.ROUTED);
    expect(o.virtualService).toBe('shop/reviews');
    expect(o.versionShares).toEqual({ v1: 90, v2: 10 });
    expect(o.destinations.map(d => [d.host, d.port, d.weight])).toEqual([[fqdn('reviews-v1'), 80, 90], [fqdn('reviews-v2'), 80, 10]]);
  });

  test('PathPrefix takes whole segments; redirects, mirrors, timeouts and retries reach the outcome', () => {
    const sim = RoutingSimulator.fromManifests([...reviews, httpRoute('reviews', {
      parentRefs: [onService('reviews')],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          backendRefs: [to('reviews-v2')],
          filters: [{ type: 'RequestMirror', requestMirror: { backendRef: { name: 'reviews-v1', port: 80 }, percent: 25 } }],
          timeouts: { request: '10s', backendRequest: '2s' },
          retry: { attempts: 3, codes: [503] },
        },
        {
          matches: [{ path: { type: 'Exact', value: '/old' } }],
          filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'new.example.com' } }],
        },
        { backendRefs: [to('reviews-v1')] },
      ],
    })]);
    const at = (path: string) => sim.route({ host: 'reviews', path });
    for (const path of ['/api', '/api/', '/api/x']) {
      const o = at(path);
      expect({ path, shares: o.versionShares, timeout: o.timeout, retries: o.retries, mirrors: o.mirrors }).toEqual({
        path,
        shares: { v2: 100 },
        timeout: '10s',
        retries: { attempts: 3, perTryTimeout: '2s', retryOn: `${RETRY_ON},503` },
        mirrors: [{ host: fqdn('reviews-v1'), percentage: 25 }],
      });
    }
    expect(at('/apix').versionShares).toEqual({ v1: 100 });
    const moved = at('/old');
    expect([moved.kind, moved.status, moved.redirect])
      .toEqual([OutcomeKind.REDIRECT, 302, { scheme: 'https', authority: 'new.example.com', redirectCode: '302' }]);
  });

  test("a Gateway with two listeners: routes attached by sectionName serve their listener's port only", () => {
    const edge = k8sGateway('edge', [
      { name: 'http', port: 80, protocol: 'HTTP', hostname: 'shop.example.com' },
      { name: 'admin', port: 8080, protocol: 'HTTP', hostname: 'shop.example.com' },
    ], { namespace: 'infra' });
    const on = (sectionName: string, backend: string) => ({
      parentRefs: [{ name: 'edge', namespace: 'infra', sectionName }], rules: [{ backendRefs: [to(backend)] }],
    });
    const routes = [httpRoute('admin', on('admin', 'reviews-v2')), httpRoute('public', on('http', 'reviews-v1'))];
    const sim = RoutingSimulator.fromManifests([...reviews, edge, ...routes]);
    const at = (port: number, host = 'shop.example.com') => sim.route({ host, gateway: 'infra/edge', port });
    expect(at(80).versionShares).toEqual({ v1: 100 });
    expect(at(8080).versionShares).toEqual({ v2: 100 });
    expect(at(80).explanation).toMatch(/HTTPRoute shop\/admin, HTTPRoute shop\/public \(as Istio reads it\)/);
    const elsewhere = at(80, 'other.example.com');
    expect([elsewhere.kind, elsewhere.status]).toEqual([OutcomeKind.NOT_FOUND, 404]);
  });
});

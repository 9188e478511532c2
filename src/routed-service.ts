import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { ChartChecks } from './analysis/analysis';
import { checkDnsLabel } from './core/checks';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { isHttpProtocol, ServiceProtocol } from './core/protocol';
import { isGatewayApi } from './core/routing-api';
import { isDns1035Label } from './core/syntax';
import { Audience, Binding } from './model/binding';
import { HostRouting, ServiceRegistration, VirtualServiceEntry } from './model/host-routing';
import { Tier, WeightedDestination } from './model/rules';
import { KnownWorkload, TrafficModel } from './model/traffic-model';
import { backendContextOf, routeRules, versionServiceName } from './render/gateway-api';
import { destinationRuleSpec, virtualServiceSpec } from './render/istio';
import { newDestinationRule, newRoute, newVirtualService } from './render/objects';

/**
 * A service whose requests the library routes with Istio. `CanaryService` and `ExistingService`
 * implement it, and so can a construct of your own: DarkRelease, the resilience constructs and
 * IngressEdge route any implementation. The first of them to route a service that no construct of
 * this library registered creates its DestinationRule (one subset per version, selecting the
 * version label) and its mesh VirtualService (everything to the stable version, plus what the
 * constructs add), as children of the service construct.
 */
export interface IRoutableService extends IConstruct {
  /** The Service name (and host). */
  readonly name: string;
  /**
   * The namespace, when one is set on the construct or the chart.
   * @default - none: the namespace kubectl applies to
   */
  readonly namespace?: string;
  /** The Service port. */
  readonly port: number;
  /** The application protocol of the Service port. */
  readonly protocol: ServiceProtocol;
  /** Names of the versions, in declaration order. */
  readonly versionNames: string[];
  /** The stable version's name. */
  readonly stableVersion: string;
  /** The pod label that tells versions apart (subsets select on it). */
  readonly versionLabel: string;
  /**
   * The DestinationRule subset of a version: the version name, unless the version sets `subsetName`.
   *
   * @param version a declared version's name (any other name fails)
   */
  subsetOf(version: string): string;
  /**
   * The pod labels of a version (they include the version label).
   *
   * @param version a declared version's name (any other name fails)
   */
  podLabelsOf(version: string): { [key: string]: string };
}

/** The routing model of the chart of `scope`, with the synth-time checks of that chart installed. */
export function modelOf(scope: IConstruct): TrafficModel {
  ChartChecks.of(scope);
  return TrafficModel.of(scope);
}

/** How a service registers its routing. */
export interface RoutedServiceOptions {
  /** The Service object, when the construct creates one. */
  readonly serviceObject?: ApiObject;
  /** The catch-all route of the release for each audience. */
  readonly mesh: WeightedDestination[];
  readonly edge: WeightedDestination[];
  /**
   * The versions that run outside the manifests (adopted workloads), for the analysis and the simulator.
   * @default - none
   */
  readonly adoptedWorkloads?: KnownWorkload[];
  /**
   * The Service itself runs outside the manifests.
   * @default false
   */
  readonly serviceExists?: boolean;
  /**
   * The port the pods listen on (the per-version Services of RoutingApi.GATEWAY_API target it).
   * @default - the Service port
   */
  readonly targetPort?: number;
}

/**
 * Registers `service` as routed by Istio: its host, subsets and release, and its DestinationRule
 * and mesh VirtualService, created as children of the service construct in apply order (Service,
 * DestinationRule, VirtualService).
 */
export function registerRoutedService(service: IRoutableService, options: RoutedServiceOptions): HostRouting {
  const model = modelOf(service);
  const routing = model.serviceHost(service.name, service.namespace);
  routing.registerService(registration(service, true));
  model.knownWorkloads.push(...(options.adoptedWorkloads ?? []));
  if (options.serviceExists) {
    const namespace = service.namespace ?? DEFAULT_NAMESPACE;
    model.knownServices.push({ namespace, name: service.name, selector: { app: service.name }, ports: [service.port] });
  }
  for (const version of service.versionNames) {
    routing.addSubset(service, service.subsetOf(version), { [service.versionLabel]: service.podLabelsOf(version)[service.versionLabel] });
  }
  routing.setCatchAll(Audience.MESH, service, options.mesh);
  routing.setCatchAll(Audience.EDGE, service, options.edge);
  const scope = service as Construct;
  if (isGatewayApi(model.routingApi)) {
    registerGatewayApiObjects(service, model, routing, options);
    return routing;
  }
  const dr = newDestinationRule(scope, 'DestinationRule', {
    name: service.name, namespace: service.namespace, spec: () => destinationRuleSpec(routing, () => model.allHosts),
  });
  const entry = meshEntry(service, routing);
  routing.addVirtualService(entry);
  // Apply order: Service, DestinationRule, VirtualService. They are declared in that order, but cdk8s
  // writes an object that something depends on where its first dependant is written, so the chain
  // is explicit: whatever else comes to depend on one of them, the order holds.
  if (options.serviceObject) { dr.node.addDependency(options.serviceObject); }
  routing.objects = { service: options.serviceObject, destinationRule: dr };
  // The mesh VirtualService's object exists once the release needs it (at once, unless every mesh
  // request goes to the whole Service with nothing added; then when a construct first adds to it).
  routing.emitMeshVirtualServiceWhenNeeded(() => {
    const vs = newVirtualService(scope, 'VirtualService', {
      name: service.name, namespace: service.namespace, spec: () => virtualServiceSpec(routing, entry),
    });
    vs.node.addDependency(dr);
    routing.objects = { ...routing.objects, virtualService: vs };
  });
  return routing;
}

/** The mesh route of a service: one rule, following the service's mesh release. */
function meshEntry(service: IRoutableService, routing: HostRouting, checkRendering?: () => void): VirtualServiceEntry {
  return {
    owner: service,
    name: service.name,
    namespace: service.namespace,
    host: service.name,
    bindings: [Binding.MESH],
    http: isHttpProtocol(service.protocol),
    rules: [{ source: service, match: [], tier: Tier.CATCH_ALL, rank: [], follow: { routing, audience: Audience.MESH } }],
    ...(checkRendering ? { checkRendering } : {}),
  };
}

/**
 * The objects of a routed service in RoutingApi.GATEWAY_API: a Service per version
 * (`<service>-<subset>`, selecting the version's pods), a DestinationRule for the Service and one per
 * version Service (traffic policies only: Gateway API routes name Services, not subsets), and,
 * once the mesh release needs one, an HTTPRoute (GRPCRoute for gRPC, TCPRoute for TCP) attached to
 * the Service port.
 * Apply order: Service, version Services, DestinationRules, route.
 */
function registerGatewayApiObjects(service: IRoutableService, model: TrafficModel, routing: HostRouting, options: RoutedServiceOptions): void {
  const scope = service as Construct;
  const grpc = service.protocol === ServiceProtocol.GRPC;
  const namespace = service.namespace ?? DEFAULT_NAMESPACE;
  const versionServices = service.versionNames.map(version => {
    const name = versionServiceName(service.name, service.subsetOf(version));
    if (!isDns1035Label(name)) {
      fail(scope, 'versions', name, `is the Service of version '${version}' that Gateway API routes need (<service>-<version>), and not a valid Service name (DNS-1035 label, at most 63 characters)`,
        'Use a shorter service or version name (or subsetName)');
    }
    const owner = model.claimObjectName('Service', namespace, name, scope);
    if (owner !== undefined) {
      fail(scope, 'versions', name, `is the Service of version '${version}' that Gateway API routes need, but ${owner.node.path} already has a Service of that name`,
        'Rename the service or the version');
    }
    const pods = service.podLabelsOf(version);
    const svc = new k8s.KubeService(scope, `Service-${version}`, {
      metadata: { name, namespace: service.namespace, labels: { app: service.name, [service.versionLabel]: pods[service.versionLabel] } },
      spec: {
        selector: pods,
        ports: [{
          name: service.protocol,
          port: service.port,
          targetPort: k8s.IntOrString.fromNumber(options.targetPort ?? service.port),
          protocol: 'TCP',
          appProtocol: service.protocol,
        }],
      },
    });
    if (options.serviceObject) { svc.node.addDependency(options.serviceObject); }
    return { version, name, svc };
  });
  const dr = newDestinationRule(scope, 'DestinationRule', {
    name: service.name, namespace: service.namespace, spec: () => gatewayApiDestinationRuleSpec(routing, service.name),
  });
  const drs = [dr, ...versionServices.map(v => {
    const subset = service.subsetOf(v.version);
    const vdr = newDestinationRule(scope, `DestinationRule-${v.version}`, {
      name: v.name, namespace: service.namespace, spec: () => gatewayApiDestinationRuleSpec(routing, v.name, subset),
    });
    vdr.node.addDependency(v.svc);
    return vdr;
  })];
  if (options.serviceObject) { dr.node.addDependency(options.serviceObject); }
  const entry = meshEntry(service, routing, () => { if (routing.meshNeedsVirtualService) { rules(); } });
  const rules = () => routeRules(routing, entry, backendContextOf(model, namespace), grpc);
  routing.addVirtualService(entry);
  routing.objects = { service: options.serviceObject, destinationRule: dr };
  routing.versionServices = versionServices.map(v => v.name);
  routing.emitMeshVirtualServiceWhenNeeded(() => {
    const route = newRoute(scope, !entry.http ? 'TCPRoute' : grpc ? 'GRPCRoute' : 'HTTPRoute', {
      name: service.name,
      namespace: service.namespace,
      spec: () => ({
        parentRefs: [{ group: '', kind: 'Service', name: service.name, port: service.port }],
        rules: rules(),
      }),
    });
    route.node.addDependency(...drs);
    routing.objects = { ...routing.objects, virtualService: route };
  });
}

/** A DestinationRule of RoutingApi.GATEWAY_API: the host's traffic policy, and the version's over it for a version Service. */
function gatewayApiDestinationRuleSpec(routing: HostRouting, host: string, subset?: string): any {
  const { trafficPolicy, subsets } = routing.destinationRule;
  const policy = { ...trafficPolicy, ...(subsets.find(s => s.name === subset)?.trafficPolicy ?? {}) };
  return { host, ...(Object.keys(policy).length > 0 ? { trafficPolicy: policy } : {}) };
}

/** Registers a service whose split the library carries out without Istio (replica counts). */
export function registerUnroutedService(service: IRoutableService): void {
  modelOf(service).serviceHost(service.name, service.namespace).registerService(registration(service, false));
}

function registration(service: IRoutableService, routed: boolean): ServiceRegistration {
  return {
    source: service,
    port: service.port,
    routed,
    http: isHttpProtocol(service.protocol),
    grpc: service.protocol === ServiceProtocol.GRPC || service.protocol === ServiceProtocol.GRPC_WEB,
  };
}

/**
 * The `targetRefs` that bind a policy to `service` at a waypoint: its Service and, in
 * RoutingApi.GATEWAY_API, its version Services, which routes (an edge's too) address; a waypoint
 * enforces the policies of the Service a request is addressed to. Read at synthesis.
 */
export function waypointTargetRefs(service: IRoutableService): { group: string; kind: string; name: string }[] {
  const versions = modelOf(service).tryServiceHost(service.name, service.namespace)?.versionServices ?? [];
  return [service.name, ...versions].map(name => ({ group: '', kind: 'Service', name }));
}

/**
 * The per-host routing of a service, failing when the service is not routed by Istio. A service
 * that no construct of this library registered (your own implementation of IRoutableService) is
 * registered on first use, everything on its stable version.
 */
export function routingOf(scope: IConstruct, service: IRoutableService): HostRouting {
  checkService(scope, service);
  const existing = modelOf(service).tryServiceHost(service.name, service.namespace);
  if (existing?.registeredService === undefined) {
    const stable = [{ host: service.name, subset: service.subsetOf(service.stableVersion), weight: 100 }];
    return registerRoutedService(service, { mesh: stable, edge: stable });
  }
  if (!existing.registeredService.routed) {
    fail(scope, 'service', service.name, 'is not routed by Istio (a CanaryService in RoutingMode.REPLICAS has no VirtualService or DestinationRule to add to)',
      'Use RoutingMode.ISTIO for this service');
  }
  return existing;
}

/** Fails unless `service` looks like an IRoutableService (plain JavaScript callers pass anything). */
export function checkService(scope: IConstruct, service: IRoutableService): void {
  const s: any = service;
  if (s === null || typeof s !== 'object' || typeof s.name !== 'string' || !Array.isArray(s.versionNames)
    || typeof s.subsetOf !== 'function' || typeof s.podLabelsOf !== 'function' || s.node === undefined) {
    fail(scope, 'service', s === null || typeof s !== 'object' ? s : Object.keys(s), 'is not a routable service',
      'Pass a CanaryService, an ExistingService or another construct that implements IRoutableService');
  }
}

/** The subset of `version` on `service`, failing for an undeclared version. */
export function subsetOfVersion(scope: IConstruct, field: string, service: IRoutableService, version: string): string {
  if (!service.versionNames.includes(version)) {
    fail(scope, field, version, `is not a version of service '${service.name}'`,
      `Use one of: ${service.versionNames.join(', ')}, or declare the version on the service`);
  }
  return service.subsetOf(version);
}

/** Checks what names a service: its Service name and the namespace given as a prop (the props shape checks the protocol). */
export function checkServiceIdentity(scope: IConstruct, name: string, namespace: string | undefined): void {
  if (!isDns1035Label(name)) {
    fail(scope, 'name', name, 'is not a valid Service name (DNS-1035 label)',
      "Use at most 63 lowercase letters, digits and '-', starting with a letter (e.g. 'reviews')");
  }
  if (namespace !== undefined) { checkDnsLabel(scope, 'namespace', namespace); }
  checkExplicitNamespace(scope, namespace);
  const effective = namespace ?? Chart.of(scope).namespace ?? DEFAULT_NAMESPACE;
  if (name === 'kubernetes' && effective === 'default') {
    fail(scope, 'name', name, "is the Kubernetes API server's own Service in namespace 'default', which no workload of yours backs and the mesh does not route",
      "Name your service something else (e.g. 'kube-gateway'), or put it in a namespace of its own");
  }
}

/**
 * Fails when neither the construct nor its chart names a namespace: its objects would land wherever
 * `kubectl -n` points, while the names inside them (hosts, gateway references) assume one namespace.
 */
export function checkExplicitNamespace(scope: IConstruct, namespace: string | undefined): void {
  if (namespace === undefined && Chart.of(scope).namespace === undefined) {
    fail(scope, 'namespace', undefined, "is not set, and neither is the chart's, so where the objects land depends on `kubectl -n` while the hosts and gateway references in them assume one namespace",
      "Give the chart a namespace (new Chart(app, 'shop', { namespace: 'shop' })), or set namespace on this construct");
  }
}

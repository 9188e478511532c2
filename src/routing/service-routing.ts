import { IConstruct } from 'constructs';
import type { IRoutableService } from '../canary-service';
import { fail } from '../errors';
import { HostRouting, MESH } from './host-routing';
import { TrafficRegistry } from './registry';

/** The per-host routing of a service, failing when the service is not routed by Istio. */
export function routingOf(scope: IConstruct, service: IRoutableService): HostRouting {
  const routing = TrafficRegistry.of(service).tryHost(service.namespace, service.name);
  if (!routing || !routing.registeredService) {
    fail(scope, 'service', service.name, 'is not routed by Istio (a CanaryService in RoutingMode.REPLICAS has no VirtualService or DestinationRule to add to)',
      'Use RoutingMode.ISTIO for this service');
  }
  return routing;
}

/** The subset of `version` on `service`, failing for an undeclared version. */
export function subsetOfVersion(scope: IConstruct, field: string, service: IRoutableService, version: string): string {
  if (!service.versionNames.includes(version)) {
    fail(scope, field, version, `is not a version of service '${service.name}'`,
      `Use one of: ${service.versionNames.join(', ')}, or declare the version on the service`);
  }
  return service.subsetOf(version);
}

/** The normal (catch-all) route of a service for `binding`, failing when it has none. */
export function normalRoute(scope: IConstruct, routing: HostRouting, binding: string = MESH) {
  const route = routing.defaultRoute(binding);
  if (!route) {
    fail(scope, 'service', routing.serviceName, 'has no normal route to decorate', 'Route the service with a CanaryService or ExistingService first');
  }
  return route;
}

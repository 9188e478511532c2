import { Construct } from 'constructs';
import { CanaryService } from './canary-service';
import { fail } from './errors';
import { ServiceProtocol } from './protocol';
import { ServiceVersion } from './service-version';
import { TrafficSplit } from './traffic-split';

/** Props for `ExistingService`. */
export interface ExistingServiceProps {
  /**
   * Name of the existing Kubernetes Service (its pods carry `app=<name>`).
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Namespace of the Service.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Port of the Service.
   * @default 80
   */
  readonly port?: number;
  /**
   * Application protocol of the port (HTTP rules only apply to HTTP-family protocols).
   * @default ServiceProtocol.HTTP
   */
  readonly protocol?: ServiceProtocol;
  /** The versions that run, each `ServiceVersion.adopt(name, { podLabels })`. */
  readonly versions: ServiceVersion[];
  /**
   * The stable version (normal traffic goes there).
   * @default - the first version
   */
  readonly stableVersion?: string;
  /**
   * The canary version.
   * @default - the last version
   */
  readonly canaryVersion?: string;
  /**
   * How normal requests are shared between versions.
   * @default TrafficSplit.stable()
   */
  readonly traffic?: TrafficSplit;
  /**
   * The pod label that tells versions apart.
   * @default 'version'
   */
  readonly versionLabel?: string;
}

/**
 * A service that already runs in the cluster, known by name and version labels: the library creates
 * no Service and no Deployment for it, only the DestinationRule (one subset per version) and the
 * VirtualService that dark releases, faults and policies add to.
 */
export class ExistingService extends CanaryService {
  constructor(scope: Construct, id: string, props: ExistingServiceProps) {
    (props.versions ?? []).forEach((v, i) => {
      if (v.isDeployed) {
        fail(`${scope.node.path}/${id}`, `versions[${i}]`, v.name, 'is a version the library would deploy, but an ExistingService only adopts',
          'Use ServiceVersion.adopt(), or a CanaryService to deploy new versions');
      }
    });
    super(scope, id, {
      name: props.name,
      namespace: props.namespace,
      port: props.port ?? 80,
      protocol: props.protocol,
      versions: props.versions,
      stableVersion: props.stableVersion,
      canaryVersion: props.canaryVersion,
      traffic: props.traffic,
      versionLabel: props.versionLabel,
      serviceExists: true,
    });
  }
}

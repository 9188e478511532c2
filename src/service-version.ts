import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { fail } from './core/errors';
import { T } from './core/shape';
import { HealthProbe } from './health-probe';

const VERSION_SYMBOL = Symbol.for('cdk8s-istio-traffic.ServiceVersion');

/**
 * Pod and container settings for every version a `CanaryService` creates, in one place: each
 * version uses these unless it sets the same field itself. `resources`, `securityContext` and
 * `podSecurityContext` are merged key by key (a version's `resources.cpu` replaces the default's
 * `cpu` and keeps its `memory`).
 *
 * What cdk8s-plus uses when neither says anything is what every pod costs: per container a request
 * of 1000m CPU and 512Mi memory and a limit of 1500m CPU and 2048Mi, a read-only root file system,
 * `runAsNonRoot` on the container and the pod, no privilege escalation, and `imagePullPolicy: Always`.
 */
export interface PodDefaults {
  /**
   * CPU and memory requests and limits of the container.
   * @default - cdk8s-plus defaults: requests 1000m CPU / 512Mi, limits 1500m CPU / 2048Mi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Container security context.
   * @default - cdk8s-plus defaults: `runAsNonRoot`, read-only root file system, not privileged, no
   * privilege escalation
   */
  readonly securityContext?: kplus.ContainerSecurityContextProps;
  /**
   * Pod security context. Images that run as root need `{ ensureNonRoot: false }` here and in
   * `securityContext`.
   * @default - cdk8s-plus defaults: `runAsNonRoot`, `fsGroupChangePolicy: Always`
   */
  readonly podSecurityContext?: kplus.PodSecurityContextProps;
  /**
   * When the kubelet pulls the image.
   * @default kplus.ImagePullPolicy.ALWAYS (the cdk8s-plus default: a registry round trip at every
   * container start)
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
}

/** Options for a version whose Deployment the library creates. */
export interface DeployedVersionOptions {
  /** Container image, e.g. `istio/examples-bookinfo-reviews-v2:1.20.2`. */
  readonly image: string;
  /**
   * Number of pods. In `RoutingMode.REPLICAS` the library computes the replicas from the split and
   * this must be left unset.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Port the container listens on. It must be the service's `targetPort` (the Service sends
   * requests there); HTTP and TCP probes without a port of their own go to it.
   * @default - the service's `targetPort`
   */
  readonly containerPort?: number;
  /**
   * Environment variables, by name.
   * @default - none: only what the image and Kubernetes set
   */
  readonly env?: { [name: string]: string };
  /**
   * Container command (entrypoint).
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Container arguments.
   * @default - the image's default arguments
   */
  readonly args?: string[];
  /**
   * CPU and memory requests and limits, merged over the service's `podDefaults.resources`.
   * @default - the service's `podDefaults.resources`, else cdk8s-plus defaults (requests 1000m CPU /
   * 512Mi, limits 1500m CPU / 2048Mi)
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * When the kubelet pulls the image.
   * @default - the service's `podDefaults.imagePullPolicy`, else `kplus.ImagePullPolicy.ALWAYS`
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
  /**
   * Readiness probe: a `HealthProbe` (`HealthProbe.httpGet('/healthz')`, `HealthProbe.tcpSocket()`,
   * `HealthProbe.grpc()`, `HealthProbe.command([...])`), which an app on any cdk8s-plus version can
   * pass, or a cdk8s-plus-27 `Probe` (a `Probe` of another cdk8s-plus version, such as
   * cdk8s-plus-33, is refused: use `HealthProbe`). HTTP, TCP and gRPC probes without a `port` go to
   * the container port.
   * @default - none: the pod receives requests as soon as its containers have started
   */
  readonly readiness?: kplus.Probe | HealthProbe;
  /**
   * Liveness probe: a `HealthProbe` or a cdk8s-plus-27 `Probe` (see `readiness`). HTTP, TCP and gRPC
   * probes without a `port` go to the container port.
   * @default - none: the container is restarted only when it exits
   */
  readonly liveness?: kplus.Probe | HealthProbe;
  /**
   * Startup probe: a `HealthProbe` or a cdk8s-plus-27 `Probe` (see `readiness`). HTTP, TCP and gRPC
   * probes without a `port` go to the container port.
   * @default - none: the readiness and liveness probes start as soon as the container starts
   */
  readonly startup?: kplus.Probe | HealthProbe;
  /**
   * Container security context, merged over the service's `podDefaults.securityContext`.
   * @default - the service's `podDefaults.securityContext`, else cdk8s-plus defaults (non-root,
   * read-only root filesystem, no privilege escalation)
   */
  readonly securityContext?: kplus.ContainerSecurityContextProps;
  /**
   * Pod security context, merged over the service's `podDefaults.podSecurityContext`.
   * @default - the service's `podDefaults.podSecurityContext`, else cdk8s-plus defaults
   * (`runAsNonRoot: true`); images that run as root need `{ ensureNonRoot: false }` here and in
   * `securityContext`
   */
  readonly podSecurityContext?: kplus.PodSecurityContextProps;
  /**
   * Extra pod labels (beyond `app` and the version label).
   * @default - none: only `app` and the version label
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * Name of the DestinationRule subset for this version.
   * @default - the version name
   */
  readonly subsetName?: string;
}

/** Options for a version that already runs in the cluster and that the library does not create. */
export interface AdoptedVersionOptions {
  /**
   * The labels the existing pods carry. They must include the service's selector (`app=<name>`) and
   * the version label, which is what the subset selects.
   * @default - `{ app: <service name>, <versionLabel>: <version name> }`
   */
  readonly podLabels?: { [key: string]: string };
  /**
   * How many pods the existing workload runs. Used by the routing simulator and by analysis only.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Name of the existing workload, for documentation and analysis.
   * @default - unknown: analysis and the routing simulator call it `<service>-<version>`
   */
  readonly workloadName?: string;
  /**
   * Name of the DestinationRule subset for this version.
   * @default - the version name
   */
  readonly subsetName?: string;
}

/** Options for a version whose workload the app builds itself (`ServiceVersion.fromWorkload`). */
export interface WorkloadVersionOptions {
  /**
   * Whether the library may add the `app` and version labels to the workload's pod template where
   * they are missing. When false, a missing label fails instead (the workload must carry both).
   * @default true
   */
  readonly addLabels?: boolean;
  /**
   * Name of the DestinationRule subset for this version.
   * @default - the version name
   */
  readonly subsetName?: string;
}

const WORKLOAD_OPTIONS = T.struct('WorkloadVersionOptions', {
  addLabels: T.optional(T.boolean()),
  subsetName: T.optional(T.string()),
}, '{ subsetName: \'v2\' }');

/**
 * One version of a service: either a Deployment the library creates, or an existing workload it
 * adopts (only its labels are known).
 */
export class ServiceVersion {
  /**
   * True for a ServiceVersion, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isServiceVersion(x: any): x is ServiceVersion {
    return x !== null && typeof x === 'object' && VERSION_SYMBOL in x;
  }

  /**
   * A version the library deploys as Deployment `<service>-<name>`, labelled `app=<service>` and
   * `version=<name>`.
   *
   * @example
   * ServiceVersion.deploy('v2', { image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2', replicas: 2 })
   *
   * @param name the version name (a DNS-1123 label such as `v2`)
   * @param options the container image, replicas, probes and pod settings of the Deployment
   */
  public static deploy(name: string, options: DeployedVersionOptions): ServiceVersion {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      fail('ServiceVersion.deploy', 'options', options, 'is not a DeployedVersionOptions object',
        "Pass the version's options, e.g. { image: 'docker.io/istio/examples-bookinfo-reviews-v2:1.20.2' }");
    }
    return new ServiceVersion(name, options, undefined);
  }

  /**
   * An existing workload adopted as a version (for example the Online Boutique
   * `productcatalogservice` Deployment whose pods were labelled `version=v1`). Nothing is created
   * for it; its pods are selected by labels.
   *
   * @example
   * ServiceVersion.adopt('v1', { podLabels: { app: 'productcatalogservice', version: 'v1' } })
   *
   * @param name the version name (a DNS-1123 label such as `v1`)
   * @param options the labels the existing pods carry, and what is known about the workload (by
   * default the pods carry `app=<service>` and `<versionLabel>=<name>`)
   */
  public static adopt(name: string, options: AdoptedVersionOptions = {}): ServiceVersion {
    return new ServiceVersion(name, undefined, options);
  }

  /**
   * A workload the app builds itself as a version: a cdk8s-plus `Deployment` or `StatefulSet` of any
   * major version (27 through 33), a `KubeDeployment` / `KubeStatefulSet` (cdk8s-plus's `k8s`
   * export or an imported one), or any API object whose `spec.template` is a pod template. The
   * workload must be in the service's chart and namespace; it keeps its own replicas, containers
   * and ServiceAccount, and the library creates nothing for it.
   *
   * When the service is built, the library reads the workload through public cdk8s and cdk8s-plus
   * APIs and adds the labels `app=<service>` and `<versionLabel>=<name>` to its pod template where
   * missing (cdk8s-plus: `podMetadata.addLabel`; an API object: a JSON patch). It fails when the
   * pods already carry another value for either label; when the workload's selector would also
   * select another version's pods (two controllers fighting over the same pods); when the
   * containers declare ports and none is the service's `targetPort`; and in `RoutingMode.REPLICAS`,
   * which would have to set the workload's replicas (it is refused rather than patched: the
   * replicas are the workload's own).
   *
   * @param name the version name (a DNS-1123 label such as `v2`)
   * @param workload the workload: typed as an `IConstruct`, the one type every cdk8s-plus major
   * version (and every copy of the `constructs` package) shares, so an app on any cdk8s-plus
   * version can pass its own
   * @param options labels and subset
   */
  public static fromWorkload(name: string, workload: IConstruct, options: WorkloadVersionOptions = {}): ServiceVersion {
    const where = 'ServiceVersion.fromWorkload';
    if (workload === null || typeof workload !== 'object' || typeof (workload as any).node !== 'object' || (workload as any).node === null) {
      fail(where, 'workload', workload, 'is not a construct',
        'Pass the workload construct: a cdk8s-plus Deployment or StatefulSet, a KubeDeployment, or an API object with a pod template');
    }
    if (options === null) {
      fail(where, 'options', options, 'is null', 'Leave the options out (undefined) for the defaults, or pass { subsetName: \'v2\' }');
    }
    WORKLOAD_OPTIONS.check(where, 'options', options);
    return new ServiceVersion(name, undefined, undefined, { workload, options });
  }

  private constructor(
    /** The version name (a DNS-1123 label such as `v2` or `risky`). */
    public readonly name: string,
    /** @internal */
    public readonly _deployed: DeployedVersionOptions | undefined,
    /** @internal */
    public readonly _adopted: AdoptedVersionOptions | undefined,
    /** @internal */
    public readonly _brought?: { readonly workload: IConstruct; readonly options: WorkloadVersionOptions },
  ) {
    Object.defineProperty(this, VERSION_SYMBOL, { value: true });
  }

  /** True when the library creates this version's Deployment. */
  public get isDeployed(): boolean {
    return this._deployed !== undefined;
  }

  /**
   * The workload the app built for this version (`ServiceVersion.fromWorkload`); undefined for a
   * version the library deploys or adopts.
   */
  public get workload(): IConstruct | undefined {
    return this._brought?.workload;
  }
}

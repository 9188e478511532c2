/**
 * The two apps the benchmark synthesizes: the library's (CanaryService with 2 versions, a
 * DarkRelease rule and a CircuitBreakerPolicy per service, every tenth service behind an
 * IngressEdge) and a baseline that creates the same final objects as plain cdk8s ApiObjects.
 * `npm run bench` checks that both write identical YAML before it measures them.
 */
import { ApiObject, App, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  CanaryService, CircuitBreakerPolicy, DarkRelease, EdgeDestination, IngressEdge, MeshNamespace, RequestCondition, TrafficSplit,
} from '../src';

const NS = 'bench';

export function buildLibrary(app: App, n: number): Chart {
  const chart = new Chart(app, 'bench', { namespace: NS });
  new MeshNamespace(chart, NS);
  let edge: IngressEdge | undefined;
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    const svc = new CanaryService(chart, name, {
      port: 8080,
      stable: { image: `registry.example.com/${name}:1` },
      canary: { image: `registry.example.com/${name}:2` },
      traffic: TrafficSplit.canaryPercent(10),
    });
    new DarkRelease(chart, `${name}-dark`, { service: svc, version: 'v2', when: [RequestCondition.headerExact('x-tester', 'yes')] });
    new CircuitBreakerPolicy(chart, `${name}-cb`, {
      service: svc,
      connectionPool: { maxConnections: 100, maxPendingRequests: 10 },
      outlierDetection: { consecutive5xxErrors: 5, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30) },
    });
    if (i % 10 === 0) {
      edge = new IngressEdge(chart, `edge-${i / 10}`, { hosts: [`${name}.example.com`] });
      edge.addRoute({ name, to: EdgeDestination.release(svc) });
    }
  }
  return chart;
}

/** The same objects, written by hand as plain ApiObjects. */
export function buildBaseline(app: App, n: number): Chart {
  return buildPlain(app, n, false);
}

/**
 * The same objects with the ServiceAccounts and Deployments made by cdk8s-plus (as the library makes
 * them) and the rest as plain ApiObjects: what any app that uses cdk8s-plus for its workloads costs
 * before the library adds anything (the floor the library's figures are read against).
 */
export function buildPlusFloor(app: App, n: number): Chart {
  return buildPlain(app, n, true);
}

function buildPlain(app: App, n: number, plus: boolean): Chart {
  const chart = new Chart(app, 'bench', { namespace: NS });
  new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'istio-injection': 'enabled' } }, spec: {} })
    .addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    if (plus) {
      plusWorkloads(chart, name);
    } else {
      new ApiObject(chart, `${name}-sa`, {
        apiVersion: 'v1', kind: 'ServiceAccount',
        metadata: { name, namespace: NS, labels: { app: name } },
        automountServiceAccountToken: false,
      });
      for (const v of ['v1', 'v2']) {
        new ApiObject(chart, `${name}-${v}`, deployment(name, v));
      }
    }
    new ApiObject(chart, `${name}-svc`, {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name, namespace: NS, labels: { app: name } },
      spec: { ports: [{ appProtocol: 'http', name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }], selector: { app: name } },
    });
    new ApiObject(chart, `${name}-dr`, {
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule',
      metadata: { name, namespace: NS },
      spec: {
        host: name,
        subsets: [{ labels: { version: 'v1' }, name: 'v1' }, { labels: { version: 'v2' }, name: 'v2' }],
        trafficPolicy: {
          connectionPool: { http: { http1MaxPendingRequests: 10 }, tcp: { maxConnections: 100 } },
          outlierDetection: { baseEjectionTime: '30s', consecutive5xxErrors: 5, interval: '10s' },
        },
      },
    });
    const dark = { match: [{ headers: { 'x-tester': { exact: 'yes' } } }], route: [{ destination: { host: name, subset: 'v2' }, weight: 100 }] };
    const split = [{ destination: { host: name, subset: 'v1' }, weight: 90 }, { destination: { host: name, subset: 'v2' }, weight: 10 }];
    new ApiObject(chart, `${name}-vs`, {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
      metadata: { name, namespace: NS },
      spec: { hosts: [name], http: [{ name: `${name}-dark`, ...dark }, { name: 'default', route: split }] },
    });
    if (i % 10 === 0) {
      const gw = `edge-${i / 10}`;
      const host = `${name}.example.com`;
      new ApiObject(chart, `${gw}-gw`, {
        apiVersion: 'networking.istio.io/v1', kind: 'Gateway',
        metadata: { name: gw, namespace: NS },
        spec: { selector: { istio: 'ingressgateway' }, servers: [{ hosts: [host], port: { name: 'http', number: 80, protocol: 'HTTP' } }] },
      });
      const withPort = (r: any[]) => r.map(d => ({ ...d, destination: { ...d.destination, port: { number: 8080 } } }));
      new ApiObject(chart, `${gw}-vs`, {
        apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
        metadata: { name: `${gw}-${host.replace(/\./g, '-')}`, namespace: NS },
        spec: {
          gateways: [`${NS}/${gw}`], hosts: [host],
          http: [{ name: `${name}-${name}-dark`, match: dark.match, route: withPort(dark.route) }, { name, route: withPort(split) }],
        },
      });
    }
  }
  return chart;
}

/** A service's ServiceAccount and two Deployments, made with cdk8s-plus the way CanaryService makes them. */
function plusWorkloads(chart: Chart, name: string): void {
  const account = new kplus.ServiceAccount(chart, `${name}-sa`, { metadata: { name, namespace: NS, labels: { app: name } }, automountToken: false });
  for (const v of ['v1', 'v2']) {
    const labels = { app: name, version: v };
    const d = new kplus.Deployment(chart, `${name}-${v}`, {
      metadata: { name: `${name}-${v}`, namespace: NS, labels },
      replicas: 1,
      select: false,
      podMetadata: { labels },
      serviceAccount: account,
      containers: [{ name, image: `registry.example.com/${name}:${v === 'v1' ? 1 : 2}`, portNumber: 8080 }],
    });
    d.select(kplus.LabelSelector.of({ labels }));
    const api = ApiObject.of(d);
    api.addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/ports/0/name', 'http'));
    api.addJsonPatch(JsonPatch.remove('/spec/template/spec/containers/0/startupProbe'));
  }
}

function deployment(name: string, v: string): any {
  const labels = { app: name, version: v };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: `${name}-${v}`, namespace: NS, labels },
    spec: {
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      replicas: 1,
      selector: { matchLabels: labels },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { labels },
        spec: {
          automountServiceAccountToken: false,
          containers: [{
            image: `registry.example.com/${name}:${v === 'v1' ? 1 : 2}`,
            imagePullPolicy: 'Always',
            name,
            ports: [{ containerPort: 8080, name: 'http' }],
            resources: { limits: { cpu: '1500m', memory: '2048Mi' }, requests: { cpu: '1000m', memory: '512Mi' } },
            securityContext: { allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true },
          }],
          dnsPolicy: 'ClusterFirst',
          hostNetwork: false,
          restartPolicy: 'Always',
          securityContext: { fsGroupChangePolicy: 'Always', runAsNonRoot: true },
          serviceAccountName: name,
          setHostnameAsFQDN: false,
          terminationGracePeriodSeconds: 30,
        },
      },
    },
  };
}

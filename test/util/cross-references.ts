/**
 * Cross-reference checks between synthesized Kubernetes and Istio objects:
 * - every Service selects at least one workload, and the pods of every version a DestinationRule
 *   of its host declares;
 * - every DestinationRule subset selects a non-empty set of pods (IST0173);
 * - the subsets of one DestinationRule are disjoint (no pod in two subsets);
 * - every subset a VirtualService routes to is declared by the host's DestinationRule (IST0101).
 *
 * Pods are the pod templates of the Deployments in the manifests, plus `existingPods` for workloads
 * that already run in the cluster (adopted versions).
 */

export interface PodGroup {
  readonly namespace: string;
  readonly name: string;
  readonly labels: { [key: string]: string };
}

function ns(obj: any): string {
  return obj.metadata?.namespace ?? 'default';
}

function selects(selector: { [k: string]: string } | undefined, labels: { [k: string]: string }): boolean {
  return !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function shortHost(host: string, namespace: string): string | undefined {
  const parts = host.split('.');
  if (parts.length === 1) { return host; }
  if (parts.length >= 2 && parts[1] === namespace) { return parts[0]; }
  return undefined;
}

export function podGroups(manifests: any[], existingPods: PodGroup[] = []): PodGroup[] {
  return [
    ...manifests.filter(m => m.kind === 'Deployment' || m.kind === 'StatefulSet' || m.kind === 'DaemonSet')
      .map(d => ({ namespace: ns(d), name: `${d.kind}/${d.metadata.name}`, labels: d.spec?.template?.metadata?.labels ?? {} })),
    ...existingPods,
  ];
}

export function crossReferenceProblems(manifests: any[], existingPods: PodGroup[] = []): string[] {
  const problems: string[] = [];
  const pods = podGroups(manifests, existingPods);
  const services = manifests.filter(m => m.apiVersion === 'v1' && m.kind === 'Service');
  const serviceOf = (host: string, namespace: string) => {
    const short = shortHost(host, namespace);
    return services.find(s => ns(s) === namespace && s.metadata.name === short);
  };

  for (const svc of services) {
    const selected = pods.filter(p => p.namespace === ns(svc) && selects(svc.spec?.selector, p.labels));
    if (selected.length === 0) { problems.push(`Service ${ns(svc)}/${svc.metadata.name} selects no pods`); }
  }

  for (const dr of manifests.filter(m => m.kind === 'DestinationRule')) {
    const id = `DestinationRule ${ns(dr)}/${dr.metadata.name}`;
    const svc = serviceOf(dr.spec.host, ns(dr));
    if (!svc) { problems.push(`${id}: host '${dr.spec.host}' is no Service in the manifests`); continue; }
    const members = new Map<string, string[]>();
    for (const subset of dr.spec.subsets ?? []) {
      const inSubset = pods.filter(p => p.namespace === ns(dr) && selects(svc.spec.selector, p.labels) && selects(subset.labels, p.labels));
      // The pods meant for this subset: its labels, on the workloads of the host's app.
      const app = svc.spec.selector?.app;
      const subsetPods = pods.filter(p => p.namespace === ns(dr) && selects(subset.labels, p.labels) && (app === undefined || p.labels.app === app));
      if (inSubset.length === 0) {
        problems.push(`${id}: subset '${subset.name}' selects no pod behind Service ${svc.metadata.name}`);
      }
      for (const p of subsetPods) {
        if (!selects(svc.spec.selector, p.labels)) {
          problems.push(`${id}: Service ${svc.metadata.name} does not select ${p.name} of subset '${subset.name}'`);
        }
        members.set(p.name, [...(members.get(p.name) ?? []), subset.name]);
      }
    }
    for (const [pod, subsets] of members) {
      if (subsets.length > 1) { problems.push(`${id}: subsets ${subsets.join(', ')} overlap on ${pod}`); }
    }
  }

  for (const vs of manifests.filter(m => m.kind === 'VirtualService')) {
    const routes = [...(vs.spec.http ?? []), ...(vs.spec.tcp ?? []), ...(vs.spec.tls ?? [])];
    for (const route of routes) {
      for (const d of route.route ?? []) {
        const dest = d.destination;
        if (!dest.subset) { continue; }
        const short = shortHost(dest.host, ns(vs));
        const dr = manifests.find(m => m.kind === 'DestinationRule' && ns(m) === ns(vs) && shortHost(m.spec.host, ns(m)) === short);
        if (!dr || !(dr.spec.subsets ?? []).some((s: any) => s.name === dest.subset)) {
          problems.push(`VirtualService ${ns(vs)}/${vs.metadata.name}: subset '${dest.subset}' of host '${dest.host}' is not declared by a DestinationRule`);
        }
      }
    }
  }
  return problems;
}

/**
 * Apply-order problems in one synthesized file: a plain `kubectl apply -f` must create what is
 * referenced before what references it. Checked: a Namespace before everything in it; a
 * ServiceAccount before the Deployments that run under it; a Service before the DestinationRule of
 * its host; a DestinationRule before every VirtualService that routes to its subsets.
 */
export function applyOrderProblems(manifests: any[]): string[] {
  const problems: string[] = [];
  const index = (pred: (m: any) => boolean) => manifests.findIndex(pred);
  manifests.forEach((m, i) => {
    const id = `${m.kind} ${m.metadata?.name}`;
    const nsIdx = index(n => n.kind === 'Namespace' && n.metadata.name === m.metadata?.namespace);
    if (nsIdx > i) { problems.push(`${id} comes before its Namespace ${m.metadata.namespace}`); }
    if (m.kind === 'Deployment') {
      const sa = m.spec.template.spec?.serviceAccountName;
      const saIdx = index(n => n.kind === 'ServiceAccount' && n.metadata.name === sa && ns(n) === ns(m));
      if (saIdx > i) { problems.push(`${id} comes before its ServiceAccount ${sa}`); }
    }
    if (m.kind === 'DestinationRule') {
      const svcIdx = index(n => n.kind === 'Service' && ns(n) === ns(m) && n.metadata.name === shortHost(m.spec.host, ns(m)));
      if (svcIdx > i) { problems.push(`${id} comes before Service ${m.spec.host}`); }
    }
    if (m.kind === 'VirtualService') {
      for (const route of m.spec.http ?? m.spec.tcp ?? []) {
        for (const d of route.route ?? []) {
          const drIdx = index(n => n.kind === 'DestinationRule' && ns(n) === ns(m) && shortHost(n.spec.host, ns(n)) === shortHost(d.destination.host, ns(m)));
          if (d.destination.subset && drIdx > i) { problems.push(`${id} comes before DestinationRule ${d.destination.host}`); }
        }
      }
    }
  });
  return [...new Set(problems)];
}

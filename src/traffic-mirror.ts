import { Construct } from 'constructs';
import { fail } from './core/errors';
import { checkProps, T } from './core/shape';
import { ALL_AUDIENCES } from './model/binding';
import { Tier } from './model/rules';
import { IRoutableService, routingOf, subsetOfVersion } from './routed-service';

const PROPS = T.struct('TrafficMirrorProps', {
  service: T.any(),
  version: T.string(),
  percentage: T.optional(T.number()),
  methods: T.optional(T.array(T.string())),
  name: T.optional(T.string()),
}, "{ service, version: 'v2', percentage: 10 }");

/** Props for `TrafficMirror`. */
export interface TrafficMirrorProps {
  /** The service whose traffic is copied. */
  readonly service: IRoutableService;
  /** The version that receives the copies (its responses are discarded). */
  readonly version: string;
  /**
   * Percentage of requests copied, 0 to 100.
   * @default 100
   */
  readonly percentage?: number;
  /**
   * Copy only requests with these methods (e.g. `['GET', 'HEAD']`), so that writes are not
   * performed twice.
   * @default - every request, writes included
   */
  readonly methods?: string[];
  /**
   * Name of the VirtualService rule (with `methods`).
   * @default - the construct id
   */
  readonly name?: string;
}

/**
 * Traffic mirroring (shadowing): a percentage of the service's requests is also sent to another
 * version, fire and forget. The mirrored responses are discarded. Mirrored requests are real
 * requests: a POST is performed twice, once by each version, unless `methods` restricts mirroring
 * to safe methods.
 *
 * @example
 * new TrafficMirror(chart, 'shadow-v2', { service: reviews, version: 'v2', percentage: 10, methods: ['GET'] });
 */
export class TrafficMirror extends Construct {
  /**
   * Adds the mirror to the service's VirtualService: on its normal route, or with `methods` as a
   * rule of its own for those methods. Fails for a version that already gets all of the traffic.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id, also the rule name (with `methods`) unless `name` is given
   * @param props the service, the version that receives the copies, and which requests are copied
   */
  constructor(scope: Construct, id: string, props: TrafficMirrorProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    const routing = routingOf(this, props.service);
    const subset = subsetOfVersion(this, 'version', props.service, props.version);
    const pct = props.percentage ?? 100;
    if (pct < 0 || pct > 100) {
      fail(this, 'percentage', pct, 'is not a percentage', 'Use a number from 0 to 100');
    }
    for (const audience of ALL_AUDIENCES) {
      const route = routing.catchAllRoute(this, audience).filter(d => d.weight > 0);
      if (route.length === 1 && route[0].subset === subset) {
        fail(this, 'version', props.version, `already gets all of the service's traffic${audience === ALL_AUDIENCES[0] ? '' : ' at the edge'}, so mirroring to it doubles its load and shows nothing new`,
          'Mirror to a version that gets no live traffic (the new one), or change the traffic split first');
      }
    }
    const mirror = { host: props.service.name, subset };
    if (props.methods === undefined) {
      for (const audience of ALL_AUDIENCES) {
        routing.setReleaseOption(audience, this, 'mirror', mirror);
        routing.setReleaseOption(audience, this, 'mirrorPercentage', { value: pct });
      }
      return;
    }
    if (props.methods.length === 0) {
      fail(this, 'methods', props.methods, 'is empty, so nothing would be mirrored', "List the methods to mirror, e.g. ['GET', 'HEAD'], or omit it");
    }
    props.methods.forEach((m, i) => {
      if (!/^[A-Z]+$/.test(m)) { fail(this, `methods[${i}]`, m, 'is not an upper-case HTTP method', "Use e.g. 'GET'"); }
    });
    const match = props.methods.map(m => ({ method: { exact: m } }));
    routing.addReleaseRule({
      source: this,
      name: props.name ?? id,
      match,
      audiences: ALL_AUDIENCES,
      options: { mirror, mirrorPercentage: { value: pct } },
      tier: Tier.DECORATION,
      rank: [],
    });
  }
}

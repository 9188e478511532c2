import { IConstruct } from 'constructs';
import { fail } from './core/errors';
import { T } from './core/shape';

/** One version's share of traffic. */
export interface VersionWeight {
  /** The version name, as declared on the service (e.g. `v2`). */
  readonly version: string;
  /**
   * Integer percentage of requests, 0 to 100. In the split of a service released with
   * `TrafficSplit.relative()` it is the relative weight, and with `TrafficSplit.wholeService()` the
   * version's replicas (the share Kubernetes gives it).
   */
  readonly weight: number;
}

/** Options for a step plan. */
export interface StepPlanOptions {
  /**
   * The canary's percentage at each step, e.g. `[10, 25, 50, 100]`. Non-empty, each an integer
   * from 0 to 100, and never decreasing.
   */
  readonly steps: number[];
  /**
   * Index (0-based) of the step the release is at now. A pipeline advances the release by changing
   * only this value, for example `Number(process.env.CANARY_STEP ?? 0)`.
   */
  readonly currentStep: number;
}

const SPLIT_SYMBOL = Symbol.for('cdk8s-istio-traffic.TrafficSplit');

enum SplitKind { STABLE, PROMOTE, ROLLBACK, ALL_TO, CANARY_PERCENT, WEIGHTS, STEPS, RELATIVE, WHOLE_SERVICE }

/** The largest weight Istio accepts on one destination (`weight` is an int32 in the CRD). */
const MAX_WEIGHT = 2147483647;
/** The largest sum of weights Envoy and gRPC xDS clients accept on one route (a uint32). */
const MAX_TOTAL_WEIGHT = 4294967295;

/**
 * How requests to a service are shared between its versions: the states a release walks through.
 *
 * Most states resolve to integer percentages that sum to 100 (Istio treats weights as relative,
 * but a percentage is what people mean and what reviewers can check). Two do not:
 * `TrafficSplit.relative()` gives relative weights, written to the VirtualService as given (Istio
 * 1.30 accepts any non-negative int32 weights and sends each destination weight / sum of weights
 * of the requests), and `TrafficSplit.wholeService()` routes to the whole Service, where the share
 * of each version follows its replica count.
 */
export class TrafficSplit {
  /**
   * True for a TrafficSplit, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isTrafficSplit(x: any): x is TrafficSplit {
    return x !== null && typeof x === 'object' && SPLIT_SYMBOL in x;
  }

  /** Everything on the stable version (the first declared version unless `stableVersion` is set). */
  public static stable(): TrafficSplit {
    return new TrafficSplit(SplitKind.STABLE);
  }

  /** Release finished: everything on the canary version (the last declared version unless `canaryVersion` is set). */
  public static promote(): TrafficSplit {
    return new TrafficSplit(SplitKind.PROMOTE);
  }

  /** Release abandoned: everything back on the stable version. Same routing as `stable()`, named for the intent. */
  public static rollback(): TrafficSplit {
    return new TrafficSplit(SplitKind.ROLLBACK);
  }

  /**
   * Everything on one named version.
   *
   * @param version a version declared on the service, e.g. `v3`
   */
  public static allTo(version: string): TrafficSplit {
    return new TrafficSplit(SplitKind.ALL_TO, [{ version, weight: 100 }]);
  }

  /**
   * `percent` of requests to the canary, the rest to the stable version (e.g. `canaryPercent(10)` is 90/10).
   *
   * @param percent the canary's share, a whole number from 0 to 100
   */
  public static canaryPercent(percent: number): TrafficSplit {
    return new TrafficSplit(SplitKind.CANARY_PERCENT, undefined, percent);
  }

  /**
   * Explicit percentages per version, e.g. `{ v1: 50, v2: 0, v3: 50 }`. Versions not named get 0.
   * Each weight is an integer from 0 to 100 and together they sum to 100.
   *
   * @param weights the percentage of each version, keyed by version name
   */
  public static weights(weights: { [version: string]: number }): TrafficSplit {
    T.map(T.any()).check('TrafficSplit.weights', 'weights', weights);
    return new TrafficSplit(SplitKind.WEIGHTS, Object.entries(weights).map(([version, weight]) => ({ version, weight })));
  }

  /**
   * Explicit percentages per version, as a list (for languages where a map literal is awkward).
   * Versions not named get 0; the weights are integers from 0 to 100 that sum to 100.
   *
   * @example
   * TrafficSplit.weightList([{ version: 'v1', weight: 80 }, { version: 'v2', weight: 20 }])
   *
   * @param weights one entry per version, each named once
   */
  public static weightList(weights: VersionWeight[]): TrafficSplit {
    T.array(T.struct('VersionWeight', { version: T.any(), weight: T.any() }, "{ version: 'v2', weight: 10 }")).check('TrafficSplit.weightList', 'weights', weights);
    return new TrafficSplit(SplitKind.WEIGHTS, weights.map(w => ({ version: w.version, weight: w.weight })));
  }

  /**
   * Relative weights per version, e.g. `{ v1: 1, v2: 1, v3: 1 }` for exactly one third each, or
   * `{ v1: 3, v2: 1 }` for 75/25. Versions not named get 0.
   *
   * Istio's route weights are relative: each destination gets weight / (sum of the weights) of the
   * requests, and the weights need not sum to 100 (the webhook's sum check was removed in Istio
   * 1.15; 1.30 requires only non-negative int32 weights, not all 0). They are written to the
   * VirtualService as given, so no share is rounded to a whole percent. Each weight is a whole
   * number from 0 to 2147483647, at least one is positive, and they sum to at most 4294967295 (the
   * uint32 Envoy sums them in).
   *
   * @param weights the relative weight of each version, keyed by version name
   */
  public static relative(weights: { [version: string]: number }): TrafficSplit {
    T.map(T.any()).check('TrafficSplit.relative', 'weights', weights);
    return new TrafficSplit(SplitKind.RELATIVE, Object.entries(weights).map(([version, weight]) => ({ version, weight })));
  }

  /**
   * Route to the whole Service, not to a version: the VirtualService's catch-all route names the
   * host and no subset (and no weight), so requests spread over all the Service's pods as
   * Kubernetes spreads them, and each version's share follows its replica count (1 pod of v1 and 3
   * of v2: 25% / 75%). This is how a mesh without a VirtualService routes.
   *
   * When nothing else needs a VirtualService for the service (no DarkRelease, fault, mirror, route
   * policy or version affinity on its mesh traffic), none is emitted: the service has its
   * DestinationRule only, carrying its traffic policies (circuit breaker, load balancing). A
   * DarkRelease on top of it still sends its matched requests to its version's subset, and the
   * DestinationRule declares only the subsets something routes to or sets a policy on.
   */
  public static wholeService(): TrafficSplit {
    return new TrafficSplit(SplitKind.WHOLE_SERVICE);
  }

  /**
   * A step plan: the canary gets `steps[currentStep]` percent, the stable version the rest.
   * Changing `currentStep` is the only edit needed to advance (or, going back, to retreat) a release.
   *
   * @example
   * TrafficSplit.stepPlan({ steps: [10, 25, 50, 100], currentStep: Number(process.env.CANARY_STEP ?? 0) })
   *
   * @param options the canary's percentage at each step, and the step the release is at
   */
  public static stepPlan(options: StepPlanOptions): TrafficSplit {
    T.struct('StepPlanOptions', { steps: T.array(T.any()), currentStep: T.any() }, '{ steps: [10, 50, 100], currentStep: 0 }').check('TrafficSplit.stepPlan', 'options', options);
    return new TrafficSplit(SplitKind.STEPS, undefined, undefined, options);
  }

  private constructor(
    private readonly kind: SplitKind,
    private readonly explicit?: VersionWeight[],
    private readonly percent?: number,
    private readonly plan?: StepPlanOptions,
  ) {
    Object.defineProperty(this, SPLIT_SYMBOL, { value: true });
  }

  /**
   * True for `TrafficSplit.wholeService()`: the route names the Service and no version.
   * @internal
   */
  public get _wholeService(): boolean {
    return this.kind === SplitKind.WHOLE_SERVICE;
  }

  /**
   * True for splits whose weights are relative (`relative()`, `wholeService()`) rather than
   * percentages summing to 100.
   * @internal
   */
  public get _relativeWeights(): boolean {
    return this.kind === SplitKind.RELATIVE || this.kind === SplitKind.WHOLE_SERVICE;
  }

  /**
   * Resolves the split against the service's versions.
   *
   * @param replicas each version's replicas, the weights of `wholeService()`; without them (a split
   * that must name versions, such as a DarkRelease's `matchedSplit`) `wholeService()` is refused
   * @returns one entry per declared version, in declaration order, weights summing to 100 (relative
   * weights for `relative()`, and the replica counts for `wholeService()`)
   * @internal
   */
  public _resolve(scope: IConstruct, field: string, versions: string[], stable: string, canary: string,
    replicas?: { [version: string]: number }): VersionWeight[] {
    const weights = new Map<string, number>(versions.map(v => [v, 0]));
    const canarySplit = (pct: number, f: string) => {
      checkPercent(scope, f, pct);
      if (stable === canary && pct !== 0 && pct !== 100) {
        fail(scope, f, pct, `splits traffic, but the stable and canary version are both '${stable}'`,
          'Declare a second version, or set canaryVersion to a different version');
      }
      weights.set(stable, 100 - pct);
      weights.set(canary, (stable === canary ? 100 : pct));
    };
    switch (this.kind) {
      case SplitKind.STABLE:
      case SplitKind.ROLLBACK:
        weights.set(stable, 100);
        break;
      case SplitKind.PROMOTE:
        weights.set(canary, 100);
        break;
      case SplitKind.CANARY_PERCENT:
        canarySplit(this.percent!, `${field}.canaryPercent`);
        break;
      case SplitKind.STEPS: {
        const { steps, currentStep } = this.plan!;
        const f = `${field}.stepPlan`;
        if (!steps || steps.length === 0) {
          fail(scope, `${f}.steps`, steps, 'is empty', 'List the canary percentage of each step, e.g. [10, 25, 50, 100]');
        }
        steps.forEach((s, i) => {
          checkPercent(scope, `${f}.steps[${i}]`, s);
          if (i > 0 && s < steps[i - 1]) {
            fail(scope, `${f}.steps`, steps, `decreases at index ${i} (${steps[i - 1]} then ${s})`,
              'A step plan only moves traffic towards the canary; list the percentages in non-decreasing order and roll back with TrafficSplit.rollback()');
          }
        });
        if (!Number.isInteger(currentStep) || currentStep < 0 || currentStep >= steps.length) {
          fail(scope, `${f}.currentStep`, currentStep, `is not a step index of a plan with ${steps.length} steps`,
            `Use a whole number from 0 to ${steps.length - 1}`);
        }
        canarySplit(steps[currentStep], `${f}.steps[${currentStep}]`);
        break;
      }
      case SplitKind.WHOLE_SERVICE:
        if (replicas === undefined) {
          fail(scope, field, 'TrafficSplit.wholeService()', 'does not name versions, and this split routes to versions',
            'Give the shares per version, e.g. TrafficSplit.relative({ v1: 1, v2: 3 }) or TrafficSplit.weights({ v1: 25, v2: 75 })');
        }
        for (const v of versions) { weights.set(v, replicas[v] ?? 1); }
        break;
      case SplitKind.RELATIVE: {
        const f = `${field}.relative`;
        this.explicitWeights(scope, f, weights, versions, (ff, w) => {
          if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > MAX_WEIGHT) {
            fail(scope, ff, w, 'is not a relative weight', `Use a whole number from 0 to ${MAX_WEIGHT} (Istio's weights are int32)`);
          }
        });
        const total = this.explicit!.reduce((a, w) => a + w.weight, 0);
        const shown = Object.fromEntries(this.explicit!.map(w => [w.version, w.weight]));
        if (total === 0) {
          fail(scope, f, shown, 'gives no version a positive weight, so no request has a destination',
            'Give at least one version a weight above 0, e.g. { v1: 1, v2: 1 }');
        }
        if (total > MAX_TOTAL_WEIGHT) {
          fail(scope, f, shown, `sum to ${total}, more than the ${MAX_TOTAL_WEIGHT} Envoy can sum route weights to (uint32)`,
            'Divide the weights by a common factor: only their ratios matter');
        }
        break;
      }
      case SplitKind.ALL_TO:
      case SplitKind.WEIGHTS: {
        this.explicitWeights(scope, `${field}.weights`, weights, versions, (ff, w) => checkPercent(scope, ff, w));
        const total = this.explicit!.reduce((a, w) => a + w.weight, 0);
        if (total !== 100) {
          fail(scope, `${field}.weights`, Object.fromEntries(this.explicit!.map(w => [w.version, w.weight])),
            `sum to ${total}, not 100`, 'Give percentages that add up to exactly 100');
        }
        break;
      }
    }
    return versions.map(version => ({ version, weight: weights.get(version)! }));
  }

  /** Checks the named weights (each version once, each declared, each weight by `check`) and records them. */
  private explicitWeights(scope: IConstruct, field: string, weights: Map<string, number>, versions: string[],
    check: (field: string, weight: number) => void): void {
    const seen = new Set<string>();
    for (const w of this.explicit!) {
      if (seen.has(w.version)) {
        fail(scope, field, w.version, 'is given twice', 'Give each version one weight');
      }
      seen.add(w.version);
      if (!weights.has(w.version)) {
        fail(scope, field, w.version, 'is not a declared version',
          `Use one of the declared versions (${versions.join(', ')}) or declare it in 'versions'`);
      }
      check(`${field}.${w.version}`, w.weight);
      weights.set(w.version, w.weight);
    }
  }
}

function checkPercent(scope: IConstruct, field: string, value: number) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    fail(scope, field, value, 'is not an integer percentage', 'Use a whole number from 0 to 100');
  }
}

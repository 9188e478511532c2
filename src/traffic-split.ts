import { IConstruct } from 'constructs';
import { fail } from './core/errors';
import { T } from './core/shape';

/** One version's share of traffic. */
export interface VersionWeight {
  /** The version name, as declared on the service (e.g. `v2`). */
  readonly version: string;
  /** Integer percentage of requests, 0 to 100. */
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

enum SplitKind { STABLE, PROMOTE, ROLLBACK, ALL_TO, CANARY_PERCENT, WEIGHTS, STEPS }

/**
 * How requests to a service are shared between its versions: the states a release walks through.
 *
 * Every state resolves to integer percentages that sum to 100 (Istio treats weights as relative,
 * but a percentage is what people mean and what reviewers can check).
 */
export class TrafficSplit {
  /** True for a TrafficSplit, also one made by another copy of this package. */
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

  /** Everything on one named version. */
  public static allTo(version: string): TrafficSplit {
    return new TrafficSplit(SplitKind.ALL_TO, [{ version, weight: 100 }]);
  }

  /** `percent` of requests to the canary, the rest to the stable version (e.g. `canaryPercent(10)` is 90/10). */
  public static canaryPercent(percent: number): TrafficSplit {
    return new TrafficSplit(SplitKind.CANARY_PERCENT, undefined, percent);
  }

  /**
   * Explicit percentages per version, e.g. `{ v1: 50, v2: 0, v3: 50 }`. Versions not named get 0.
   * Each weight is an integer from 0 to 100 and together they sum to 100.
   */
  public static weights(weights: { [version: string]: number }): TrafficSplit {
    T.map(T.any()).check('TrafficSplit.weights', 'weights', weights);
    return new TrafficSplit(SplitKind.WEIGHTS, Object.entries(weights).map(([version, weight]) => ({ version, weight })));
  }

  /** Explicit percentages per version, as a list. */
  public static weightList(weights: VersionWeight[]): TrafficSplit {
    T.array(T.struct('VersionWeight', { version: T.any(), weight: T.any() }, "{ version: 'v2', weight: 10 }")).check('TrafficSplit.weightList', 'weights', weights);
    return new TrafficSplit(SplitKind.WEIGHTS, weights.map(w => ({ version: w.version, weight: w.weight })));
  }

  /**
   * A step plan: the canary gets `steps[currentStep]` percent, the stable version the rest.
   * Changing `currentStep` is the only edit needed to advance (or, going back, to retreat) a release.
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
   * Resolves the split against the service's versions.
   *
   * @returns one entry per declared version, in declaration order, weights summing to 100
   * @internal
   */
  public _resolve(scope: IConstruct, field: string, versions: string[], stable: string, canary: string): VersionWeight[] {
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
      case SplitKind.ALL_TO:
      case SplitKind.WEIGHTS: {
        const seen = new Set<string>();
        for (const w of this.explicit!) {
          if (seen.has(w.version)) {
            fail(scope, `${field}.weights`, w.version, 'is given twice', 'Give each version one weight');
          }
          seen.add(w.version);
          if (!weights.has(w.version)) {
            fail(scope, `${field}.weights`, w.version, 'is not a declared version',
              `Use one of the declared versions (${versions.join(', ')}) or declare it in 'versions'`);
          }
          checkPercent(scope, `${field}.weights.${w.version}`, w.weight);
          weights.set(w.version, w.weight);
        }
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
}

function checkPercent(scope: IConstruct, field: string, value: number) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
    fail(scope, field, value, 'is not an integer percentage', 'Use a whole number from 0 to 100');
  }
}

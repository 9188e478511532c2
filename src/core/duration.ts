import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail } from './errors';
import { MAX_GO_DURATION_MS } from './syntax';

/**
 * Checks a duration the way Istio does (at least 1 ms and a whole number of milliseconds) and
 * renders it as the Go duration string Istio parses (`7s`, `3m`, `250ms`).
 */
export function istioDuration(scope: IConstruct, field: string, d: Duration): string {
  const ms = d.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms) || ms < 1 || !Number.isInteger(ms)) {
    fail(scope, field, `${ms}ms`, 'is not a whole number of milliseconds of at least 1 ms, which Istio requires',
      'Use e.g. Duration.millis(250), Duration.seconds(7) or Duration.minutes(3); omit the field to disable it');
  }
  if (ms > MAX_GO_DURATION_MS) {
    fail(scope, field, d.toHumanString(), 'is longer than a Go duration can be (about 2,562,047 hours), so Istio cannot parse it',
      'Use a shorter duration; omit the field to disable it');
  }
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms % size === 0) { return `${ms / size}${unit}`; }
  }
  return `${ms}ms`;
}

import { T } from './core/shape';
import { TrafficSplit } from './traffic-split';

// Run-time shapes of values that several constructs' props share. Not exported from index.ts.

/** A `TrafficSplit` made by one of its factories (also by another copy of this package). */
export const TRAFFIC_SPLIT = T.instance('TrafficSplit', x => TrafficSplit.isTrafficSplit(x), 'Use a TrafficSplit factory, e.g. TrafficSplit.canaryPercent(10)');

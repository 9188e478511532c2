/**
 * A counter that every routing change of the library bumps, so that the analysis of a chart can be
 * reused between the validations cdk8s runs during one synth (it validates the whole app once per
 * chart) and redone after a change.
 */
let generation = 0;

/** Records a change. */
export function touch(): void {
  generation++;
}

/** The current generation. */
export function currentGeneration(): number {
  return generation;
}

import { IConstruct } from 'constructs';

/**
 * `node.defaultChild` (the child with id `Resource` or `Default`, what `ApiObject.of` finds: the API
 * object of a cdk8s-plus resource), or undefined when the construct has none, or has both (constructs
 * throws then).
 */
export function defaultChildOf(c: IConstruct): IConstruct | undefined {
  try {
    return c.node.defaultChild;
  } catch {
    return undefined;
  }
}

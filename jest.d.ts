// Entry point `cdk8s-istio-traffic/jest`: importing it registers the routing matchers with jest.
export * from './lib/src/testing/jest';

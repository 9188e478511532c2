export * from './protocol';
export * from './traffic-split';
export * from './service-version';
export * from './mesh-namespace';
export * from './canary-service';
export * from './simulator/types';
export { RoutingSimulator } from './simulator/routing-simulator';

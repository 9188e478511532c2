export * from './protocol';
export * from './traffic-split';
export * from './service-version';
export * from './mesh-namespace';
export * from './canary-service';

// Entry point `cdk8s-istio-traffic/errors`: the IstioTrafficError class, for TypeScript and JavaScript
// code that catches the library's errors (jsii languages use IstioTrafficErrors from the main entry).
export { IstioTrafficError } from './lib/src/core/errors';

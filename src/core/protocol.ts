/**
 * The application protocol of a service port.
 *
 * Istio only applies HTTP routing (matches, weights, faults, retries) to ports whose protocol it
 * knows. The library names the Service port after the protocol (`http`, `grpc`, ...) and also sets
 * `appProtocol`, so Istio never falls back to treating the port as opaque TCP (IST0118).
 */
export enum ServiceProtocol {
  /** HTTP/1.1 (and HTTP/2 with prior knowledge is upgraded by the sidecar). */
  HTTP = 'http',
  /** HTTP/2 in clear text. */
  HTTP2 = 'http2',
  /** HTTPS originated by the application itself (routed as TLS by Istio). */
  HTTPS = 'https',
  /** gRPC (HTTP/2). */
  GRPC = 'grpc',
  /** gRPC-Web. */
  GRPC_WEB = 'grpc-web',
  /** Opaque TCP: only weighted routing applies, no HTTP matches. */
  TCP = 'tcp',
  /** TLS passthrough. */
  TLS = 'tls',
  /** MongoDB wire protocol. */
  MONGO = 'mongo',
  /** Redis. */
  REDIS = 'redis',
  /** MySQL. */
  MYSQL = 'mysql',
}

/** True for the protocols Istio routes with `http` rules in a VirtualService. */
export function isHttpProtocol(p: ServiceProtocol): boolean {
  return p === ServiceProtocol.HTTP || p === ServiceProtocol.HTTP2
    || p === ServiceProtocol.GRPC || p === ServiceProtocol.GRPC_WEB;
}

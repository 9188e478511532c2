import { Construct } from 'constructs';
import { fail } from './core/errors';
import { DEFAULT_NAMESPACE } from './core/hosts';
import { checkProps, T } from './core/shape';
import { isAnyCaseDnsLabel, isDnsSubdomain } from './core/syntax';
import { IRoutableService, modelOf, routingOf, subsetOfVersion } from './routed-service';

/** How a client sidecar secures its connections to a destination (a DestinationRule's `tls.mode`). */
export enum ClientTlsMode {
  /** Plain text. */
  DISABLE = 'DISABLE',
  /** TLS: the client verifies the server's certificate. */
  SIMPLE = 'SIMPLE',
  /** Mutual TLS with a certificate of your own (not Istio's). */
  MUTUAL = 'MUTUAL',
  /** Istio mutual TLS, with the sidecar's workload certificate. */
  ISTIO_MUTUAL = 'ISTIO_MUTUAL',
}

/** Options of Istio mutual TLS. */
export interface IstioMutualTlsOptions {
  /**
   * SNI to present in the TLS handshake.
   * @default - none (Istio sets one for its own mutual TLS)
   */
  readonly sni?: string;
  /**
   * Identities the server's certificate must hold (e.g. `spiffe://cluster.local/ns/shop/sa/reviews`).
   * @default - the service's identities as Istio knows them
   */
  readonly subjectAltNames?: string[];
}

/** Options of TLS towards a server outside the mesh. */
export interface SimpleTlsOptions {
  /**
   * A Kubernetes secret (in the client's namespace, for sidecars) holding the CA certificate (`ca.crt`),
   * and for MUTUAL the client certificate (`tls.crt`, `tls.key`). Exclusive with the file paths.
   * @default - none: the file paths, or the system's CA bundle
   */
  readonly credentialName?: string;
  /**
   * Path, in the sidecar, of the CA certificates that verify the server.
   * @default - none: the CA of credentialName, or the system's CA bundle
   */
  readonly caCertificates?: string;
  /**
   * SNI to present in the TLS handshake (a DNS name).
   * @default - none: Istio sets it from the request's host (authority) when it can
   */
  readonly sni?: string;
  /**
   * Names the server's certificate must hold.
   * @default - none: any certificate the CA signed
   */
  readonly subjectAltNames?: string[];
  /**
   * Skip verifying the server certificate (signature and names). For testing only.
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

/** Options of mutual TLS with a client certificate of your own. */
export interface MutualTlsOptions extends SimpleTlsOptions {
  /**
   * Path, in the sidecar, of the client certificate. Needs privateKey; exclusive with credentialName.
   * @default - none: credentialName holds the certificate
   */
  readonly clientCertificate?: string;
  /**
   * Path, in the sidecar, of the client certificate's private key. Needs clientCertificate.
   * @default - none: credentialName holds the key
   */
  readonly privateKey?: string;
}

const CLIENT_TLS_SYMBOL = Symbol.for('cdk8s-istio-traffic.ClientTls');
const NAMES = T.optional(T.array(T.string()));
const SIMPLE_FIELDS = {
  credentialName: T.optional(T.string()),
  caCertificates: T.optional(T.string()),
  sni: T.optional(T.string()),
  subjectAltNames: NAMES,
  insecureSkipVerify: T.optional(T.boolean()),
};
const FILES = ['clientCertificate', 'privateKey', 'caCertificates'] as const;

/**
 * The TLS a client sidecar uses towards a service (or one version): Istio mutual TLS, plain text,
 * or TLS / mutual TLS with certificates of your own for servers outside the mesh.
 */
export class ClientTls {
  /**
   * True for a ClientTls, also one made by another copy of this package.
   *
   * @param x any value
   */
  public static isClientTls(x: any): x is ClientTls {
    return x !== null && typeof x === 'object' && CLIENT_TLS_SYMBOL in x;
  }

  /**
   * Istio mutual TLS with the workload certificates: the server must have a sidecar.
   *
   * @param options the SNI and the identities the server's certificate must hold (by default Istio's own)
   */
  public static istioMutual(options: IstioMutualTlsOptions = {}): ClientTls {
    T.struct('IstioMutualTlsOptions', { sni: T.optional(T.string()), subjectAltNames: NAMES }, "{ sni: 'reviews.shop' }")
      .check('ClientTls.istioMutual', 'options', options);
    return new ClientTls(ClientTlsMode.ISTIO_MUTUAL, { ...options });
  }

  /** Plain text: no TLS from the client sidecar. A server whose PeerAuthentication is STRICT refuses it. */
  public static disable(): ClientTls {
    return new ClientTls(ClientTlsMode.DISABLE, {});
  }

  /**
   * TLS towards a server outside the mesh that presents a certificate.
   *
   * @example
   * ClientTls.simple({ caCertificates: '/etc/certs/ca.pem', sni: 'api.example.com' })
   *
   * @param options how the server certificate is verified (CA, names) and the SNI (by default the
   * system's CA bundle verifies it)
   */
  public static simple(options: SimpleTlsOptions = {}): ClientTls {
    T.struct('SimpleTlsOptions', SIMPLE_FIELDS, "{ caCertificates: '/etc/certs/ca.pem', sni: 'api.example.com' }")
      .check('ClientTls.simple', 'options', options);
    return new ClientTls(ClientTlsMode.SIMPLE, { ...options });
  }

  /**
   * Mutual TLS towards a server outside the mesh, with a client certificate from a secret or files.
   *
   * @example
   * ClientTls.mutual({ credentialName: 'partner-client-cert' })
   *
   * @param options the client certificate (`credentialName`, or both `clientCertificate` and
   * `privateKey`) and how the server certificate is verified
   */
  public static mutual(options: MutualTlsOptions): ClientTls {
    T.struct('MutualTlsOptions', { ...SIMPLE_FIELDS, clientCertificate: T.optional(T.string()), privateKey: T.optional(T.string()) },
      "{ credentialName: 'partner-client-cert' }")
      .check('ClientTls.mutual', 'options', options);
    return new ClientTls(ClientTlsMode.MUTUAL, { ...options });
  }

  private constructor(
    /** The TLS mode, written to the DestinationRule's `tls.mode`. */
    public readonly mode: ClientTlsMode,
    private readonly options: MutualTlsOptions,
  ) {
    Object.defineProperty(this, CLIENT_TLS_SYMBOL, { value: true });
  }

  /** The DestinationRule `tls` field, failing for inconsistent options. @internal */
  public _render(scope: Construct): any {
    const o = this.options;
    const f = (field: string) => `tls.${field}`;
    if (o.credentialName !== undefined && !isDnsSubdomain(o.credentialName)) {
      fail(scope, f('credentialName'), o.credentialName, 'is not a Kubernetes secret name (DNS-1123 subdomain)',
        "Name the secret with lowercase letters, digits, '-' and '.', e.g. 'partner-client-cert'");
    }
    for (const file of FILES) {
      const path = o[file];
      if (path !== undefined && !/^\/[^\s\0]*[^/\s\0]$/.test(path)) {
        fail(scope, f(file), path, 'is not an absolute file path in the sidecar',
          "Give the path where the file is mounted in the sidecar (e.g. '/etc/certs/client.pem', mounted with the sidecar.istio.io/userVolumeMount annotation), or use credentialName");
      }
    }
    const files = FILES.filter(k => o[k] !== undefined);
    if (o.credentialName !== undefined && files.length > 0) {
      fail(scope, f('credentialName'), o.credentialName, `is set together with certificate files (${files.join(', ')})`,
        'Use either the Kubernetes secret (credentialName) or the file paths, not both');
    }
    if (this.mode === ClientTlsMode.MUTUAL && o.credentialName === undefined) {
      if (o.clientCertificate === undefined && o.privateKey === undefined) {
        fail(scope, 'tls', 'MUTUAL', 'has no client certificate: neither credentialName nor clientCertificate and privateKey are set',
          "Set credentialName to the secret with the client certificate (e.g. ClientTls.mutual({ credentialName: 'partner-client-cert' })), or both clientCertificate and privateKey");
      }
      if (o.clientCertificate === undefined || o.privateKey === undefined) {
        const missing = o.clientCertificate === undefined ? 'clientCertificate' : 'privateKey';
        const present = missing === 'privateKey' ? 'clientCertificate' : 'privateKey';
        fail(scope, f(missing), undefined, `is missing while ${present} is set: MUTUAL TLS needs both the certificate and its key`,
          `Set ${missing} too, or use credentialName instead of the files`);
      }
    }
    if (o.sni !== undefined && !isDnsName(o.sni)) {
      fail(scope, f('sni'), o.sni, 'is not a DNS name (SNI carries a host name: no wildcard, IP address, port or scheme)',
        "Use the server's host name, e.g. 'api.example.com'");
    }
    if (o.subjectAltNames !== undefined) {
      if (o.subjectAltNames.length === 0) {
        fail(scope, f('subjectAltNames'), o.subjectAltNames, 'is empty', 'Leave it out, or list the names the server certificate must hold');
      }
      o.subjectAltNames.forEach((name, i) => {
        if (name.trim() === '' || /[\s\0]/.test(name)) {
          fail(scope, f(`subjectAltNames[${i}]`), name, 'is not a name (empty, or with white space)',
            "Use a DNS name or URI the certificate holds, e.g. 'api.example.com' or 'spiffe://cluster.local/ns/shop/sa/reviews'");
        }
      });
    }
    if (o.insecureSkipVerify === true) {
      const verifying = ['caCertificates', 'subjectAltNames', ...(this.mode === ClientTlsMode.SIMPLE ? ['credentialName'] : [])]
        .filter(k => (o as any)[k] !== undefined);
      if (verifying.length > 0) {
        fail(scope, f('insecureSkipVerify'), true, `contradicts ${verifying.join(' and ')}, which verify the server certificate`,
          'Remove insecureSkipVerify (verification is what those fields are for), or remove them');
      }
    }
    return {
      mode: this.mode,
      ...(o.credentialName !== undefined ? { credentialName: o.credentialName } : {}),
      ...(o.clientCertificate !== undefined ? { clientCertificate: o.clientCertificate } : {}),
      ...(o.privateKey !== undefined ? { privateKey: o.privateKey } : {}),
      ...(o.caCertificates !== undefined ? { caCertificates: o.caCertificates } : {}),
      ...(o.sni !== undefined ? { sni: o.sni } : {}),
      ...(o.subjectAltNames !== undefined ? { subjectAltNames: [...o.subjectAltNames] } : {}),
      ...(o.insecureSkipVerify !== undefined ? { insecureSkipVerify: o.insecureSkipVerify } : {}),
    };
  }
}

/** A DNS name of labels of either case, without a wildcard, at most 253 characters. */
function isDnsName(s: string): boolean {
  const name = s.replace(/\.$/, '');
  return name.length > 0 && name.length <= 253 && name.split('.').every(isAnyCaseDnsLabel) && !/^[0-9.]+$/.test(name);
}

const PROPS = T.struct('ClientTlsPolicyProps', {
  service: T.any(),
  version: T.optional(T.string()),
  tls: T.instance('ClientTls', x => ClientTls.isClientTls(x), 'Use a ClientTls factory, e.g. ClientTls.istioMutual()'),
}, '{ service, tls: ClientTls.istioMutual() }');

/** Props for `ClientTlsPolicy`. */
export interface ClientTlsPolicyProps {
  /** The service (a CanaryService or ExistingService). */
  readonly service: IRoutableService;
  /**
   * Apply to one version only (its DestinationRule subset).
   * @default - the whole service
   */
  readonly version?: string;
  /** The TLS clients use towards the service. */
  readonly tls: ClientTls;
}

/**
 * The TLS every client sidecar uses towards a service or one version: the `tls` field of the host's
 * one DestinationRule (top level, or the version's subset), next to the circuit breaker and load
 * balancing. One per service or version.
 *
 * When the chart also sets the server side (`PeerAuthenticationPolicy`, `MeshNamespace` `mtls`), a
 * mode the server refuses fails the synth: anything but ISTIO_MUTUAL towards STRICT, ISTIO_MUTUAL
 * towards DISABLE. The synth-time analysis checks the same on every DestinationRule and
 * PeerAuthentication of the chart, and ISTIO_MUTUAL towards a namespace without sidecar injection.
 */
export class ClientTlsPolicy extends Construct {
  /**
   * Sets `tls` on the service's DestinationRule. Fails when another ClientTlsPolicy already set it
   * for the same service or version, and (at synth) when the server side refuses the mode.
   *
   * @param scope the construct this one belongs to (usually the chart of the service)
   * @param id the construct id
   * @param props the service, the version and the TLS
   */
  constructor(scope: Construct, id: string, props: ClientTlsPolicyProps) {
    super(scope, id);
    checkProps(this, props, PROPS);
    const routing = routingOf(this, props.service);
    const subset = props.version !== undefined ? subsetOfVersion(this, 'version', props.service, props.version) : undefined;
    routing.setPolicy(this, subset, 'tls', props.tls._render(this));
    const service = props.service;
    const security = modelOf(this).transportSecurity;
    const mode = props.tls.mode;
    // At validation: the server side may be declared after this construct.
    this.node.addValidation({
      validate: () => security.conflictsWith(service.namespace ?? DEFAULT_NAMESPACE, service.name, mode).map(c => {
        const where = c.port === undefined ? '' : ` on container port ${c.port}`;
        const problem = c.mode === 'STRICT'
          ? `sends ${mode === ClientTlsMode.DISABLE ? 'plain text' : `${mode} TLS with certificates of its own`} to '${service.name}', whose workloads accept only Istio mutual TLS${where} (STRICT, from ${c.server.node.path}): every call fails`
          : `sends Istio mutual TLS to '${service.name}', whose workloads accept only plain text${where} (DISABLE, from ${c.server.node.path}): every call fails`;
        const fix = c.mode === 'STRICT'
          ? 'Use ClientTls.istioMutual() (or no ClientTlsPolicy: Istio picks mutual TLS itself), or make the server side PERMISSIVE'
          : 'Use ClientTls.disable() (or no ClientTlsPolicy: Istio detects plain-text servers itself), or make the server side PERMISSIVE or STRICT';
        return `tls.mode: '${mode}' ${problem} (CIT0010). ${fix}`;
      }),
    });
  }
}

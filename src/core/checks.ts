import { IConstruct } from 'constructs';
import { fail } from './errors';
import { isDnsLabel, isDnsSubdomain, isLabelValue, isPort, labelKeyError } from './syntax';

/** Fails unless `value` is a lowercase DNS-1123 label. */
export function checkDnsLabel(scope: IConstruct, field: string, value: unknown): void {
  if (!isDnsLabel(value)) {
    fail(scope, field, value, 'is not a DNS-1123 label',
      "Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'v2', 'reviews')");
  }
}

/** Fails unless `value` is a lowercase DNS-1123 subdomain (Kubernetes object names). */
export function checkDnsSubdomain(scope: IConstruct, field: string, value: unknown): void {
  if (!isDnsSubdomain(value)) {
    fail(scope, field, value, 'is not a valid Kubernetes object name (DNS-1123 subdomain)',
      "Use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
  }
}

/** Fails unless `value` is a TCP/UDP port number. */
export function checkPort(scope: IConstruct, field: string, value: unknown): void {
  if (!isPort(value)) {
    fail(scope, field, value, 'is not a port number', 'Use a whole number from 1 to 65535');
  }
}

/** Fails unless `value` is a whole number >= `min`. */
export function checkWholeNumber(scope: IConstruct, field: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(scope, field, value, `is not a whole number >= ${min}`, `Use a whole number of at least ${min}`);
  }
}

/**
 * Fails for a map key that cdk8s cannot write: its renderer (cdk8s 2.x `sanitizeValue`) takes an
 * object with an own `constructor` key for a class instance and refuses it, and assigning a
 * `__proto__` key sets the object's prototype, so that key (a header match, a label) would vanish
 * from the manifest without a word. Other prototype names (`toString`, `hasOwnProperty`) work.
 */
export function checkRenderableKey(scope: IConstruct, field: string, key: string): void {
  if (key === 'constructor' || key === '__proto__') {
    fail(scope, field, key, 'is a key cdk8s cannot write to a manifest (its renderer treats it as part of the JavaScript object, not as data)',
      'Use another name; for a header or label you do not control, match it with a different condition');
  }
}

/** Fails unless every key and value of `labels` is a valid Kubernetes label. */
export function checkLabels(scope: IConstruct, field: string, labels: { [key: string]: string }): void {
  for (const [key, value] of Object.entries(labels)) {
    checkRenderableKey(scope, `${field} key`, key);
    if (labelKeyError(key) !== undefined) {
      fail(scope, `${field} key`, key, 'is not a valid label key',
        "Use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.' (e.g. 'version')");
    }
    if (!isLabelValue(value)) {
      fail(scope, `${field}.${key}`, value, 'is not a valid label value',
        "Use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
    }
  }
}

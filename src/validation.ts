import { IConstruct } from 'constructs';
import { fail } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True when `s` is a lowercase DNS-1123 label (at most 63 characters). */
export function isDnsLabel(s: string): boolean {
  return typeof s === 'string' && s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Fails unless `value` is a lowercase DNS-1123 label. */
export function checkDnsLabel(scope: IConstruct, field: string, value: string): void {
  if (!isDnsLabel(value)) {
    fail(scope, field, value, 'is not a DNS-1123 label',
      "Use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'v2', 'reviews')");
  }
}

/** Fails unless `value` is a lowercase DNS-1123 subdomain (Kubernetes object names). */
export function checkDnsSubdomain(scope: IConstruct, field: string, value: string): void {
  if (typeof value !== 'string' || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    fail(scope, field, value, 'is not a valid Kubernetes object name (DNS-1123 subdomain)',
      "Use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
  }
}

/** Fails unless `value` is a TCP/UDP port number. */
export function checkPort(scope: IConstruct, field: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    fail(scope, field, value, 'is not a port number', 'Use a whole number from 1 to 65535');
  }
}

/** Fails unless `value` is a whole number >= `min`. */
export function checkWholeNumber(scope: IConstruct, field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    fail(scope, field, value, `is not a whole number >= ${min}`, `Use a whole number of at least ${min}`);
  }
}

/** Fails unless every key and value of `labels` is a valid Kubernetes label. */
export function checkLabels(scope: IConstruct, field: string, labels: { [key: string]: string }): void {
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if ((prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)))
      || name.length > 63 || !LABEL_NAME.test(name)) {
      fail(scope, `${field} key`, key, 'is not a valid label key',
        "Use an optional DNS prefix and '/', then at most 63 letters, digits, '-', '_' or '.' (e.g. 'version')");
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      fail(scope, `${field}.${key}`, value, 'is not a valid label value',
        "Use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
    }
  }
}

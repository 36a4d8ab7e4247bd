/**
 * KrakenD's root `tls` (the HTTPS listener) and `client_tls` (calls to backends) turned into Node TLS
 * options. Versions use KrakenD's names (`TLS12`, `TLS13`), cipher suites and curves its numeric IANA
 * ids. Files are read once, at start-up; every problem is reported with its key path by `checkTlsConfig`.
 *
 * Server example:
 * ```json
 * "tls": {
 *   "public_key": "/certs/api.crt", "private_key": "/certs/api.key",
 *   "keys": [{ "public_key": "/certs/other.crt", "private_key": "/certs/other.key" }],
 *   "min_version": "TLS12", "enable_mtls": true, "ca_certs": ["/certs/clients-ca.pem"]
 * }
 * ```
 * Client example: `"client_tls": { "ca_certs": ["/certs/internal-ca.pem"], "client_certs": [{ "certificate": "/certs/gw.crt", "private_key": "/certs/gw.key" }] }`
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates } from 'node:tls';
import type { ConnectionOptions, SecureContext, SecureContextOptions, SecureVersion, TlsOptions } from 'node:tls';
import type { ConfigIssues } from './issues.js';
import type { KeyPath } from './source.js';
import type { ServiceConfig } from './types.js';

type Raw = Readonly<Record<string, unknown>>;

const VERSIONS: Readonly<Record<string, SecureVersion>> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** IANA cipher suite ids (as Go's crypto/tls numbers them) to OpenSSL names. */
const CIPHER_SUITES: Readonly<Record<number, string>> = {
  0x1301: 'TLS_AES_128_GCM_SHA256',
  0x1302: 'TLS_AES_256_GCM_SHA384',
  0x1303: 'TLS_CHACHA20_POLY1305_SHA256',
  0xc02b: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  0xc02f: 'ECDHE-RSA-AES128-GCM-SHA256',
  0xc02c: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  0xc030: 'ECDHE-RSA-AES256-GCM-SHA384',
  0xcca9: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  0xcca8: 'ECDHE-RSA-CHACHA20-POLY1305',
  0xc009: 'ECDHE-ECDSA-AES128-SHA',
  0xc013: 'ECDHE-RSA-AES128-SHA',
  0xc00a: 'ECDHE-ECDSA-AES256-SHA',
  0xc014: 'ECDHE-RSA-AES256-SHA',
  0xc023: 'ECDHE-ECDSA-AES128-SHA256',
  0xc027: 'ECDHE-RSA-AES128-SHA256',
  0x009c: 'AES128-GCM-SHA256',
  0x009d: 'AES256-GCM-SHA384',
  0x002f: 'AES128-SHA',
  0x0035: 'AES256-SHA',
  0x003c: 'AES128-SHA256',
};
const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
const CURVES: Readonly<Record<number, string>> = { 23: 'P-256', 24: 'P-384', 25: 'P-521', 29: 'X25519' };

function strings(raw: Raw, key: string): string[] {
  const value = raw[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
function text(raw: Raw, key: string): string {
  const value = raw[key];
  return typeof value === 'string' ? value : '';
}
function numbers(raw: Raw, key: string): number[] {
  const value = raw[key];
  return Array.isArray(value) ? value.filter((item): item is number => typeof item === 'number') : [];
}
function pairs(raw: Raw, key: string, certKey: string): { cert: string; key: string }[] {
  const value = raw[key];
  if (!Array.isArray(value)) return [];
  return value
    .filter((item): item is Raw => item !== null && typeof item === 'object')
    .map((item) => ({ cert: text(item, certKey), key: text(item, 'private_key') }));
}

/** Versions, ciphers and curves shared by server and client settings. */
function protocolOptions(raw: Raw, defaults: { min: SecureVersion; max: SecureVersion }): SecureContextOptions {
  const options: SecureContextOptions = {
    minVersion: VERSIONS[text(raw, 'min_version')] ?? defaults.min,
    maxVersion: VERSIONS[text(raw, 'max_version')] ?? defaults.max,
  };
  const suites = numbers(raw, 'cipher_suites').map((id) => CIPHER_SUITES[id]).filter((name): name is string => name !== undefined);
  // As in Go, TLS 1.3 suites stay on unless listed explicitly.
  if (suites.length > 0) options.ciphers = suites.some((name) => name.startsWith('TLS_')) ? suites.join(':') : `${TLS13_SUITES}:${suites.join(':')}`;
  const curves = numbers(raw, 'curve_preferences').map((id) => CURVES[id]).filter((name): name is string => name !== undefined);
  if (curves.length > 0) options.ecdhCurve = curves.join(':');
  return options;
}

/** Server TLS options, or undefined when the listener is plain HTTP (`tls` absent or `disabled`). */
export function serverTlsOptions(service: ServiceConfig): TlsOptions | undefined {
  const raw = service.tls;
  if (raw === undefined || raw['disabled'] === true) return undefined;
  const certificates = [{ cert: text(raw, 'public_key'), key: text(raw, 'private_key') }, ...pairs(raw, 'keys', 'public_key')].filter((pair) => pair.cert !== '' && pair.key !== '');
  const protocol = protocolOptions(raw, { min: 'TLSv1.3', max: 'TLSv1.3' });
  const loaded = certificates.map((pair) => ({ cert: readFileSync(pair.cert), key: readFileSync(pair.key) }));
  const [first] = loaded;
  if (first === undefined) throw new Error('tls: no certificate configured');
  const options: TlsOptions = { ...protocol, cert: first.cert, key: first.key, honorCipherOrder: true };
  if (loaded.length > 1) {
    // Several certificates: pick by the name the client asks for (SNI), the first one otherwise.
    const contexts: { certificate: X509Certificate; context: SecureContext }[] = loaded.map((pair) => ({
      certificate: new X509Certificate(pair.cert),
      context: createSecureContext({ ...protocol, cert: pair.cert, key: pair.key }),
    }));
    options.SNICallback = (servername, callback) => {
      const match = contexts.find((entry) => entry.certificate.checkHost(servername) !== undefined);
      callback(null, (match ?? contexts[0])?.context);
    };
  }
  if (raw['enable_mtls'] === true) {
    options.requestCert = true;
    options.rejectUnauthorized = true;
    options.ca = strings(raw, 'ca_certs').map((path) => readFileSync(path, 'utf8'));
  }
  return options;
}

/** Backend TLS options from `client_tls`; undefined when it is absent (Node's defaults then apply). */
export function clientTlsOptions(service: ServiceConfig): ConnectionOptions | undefined {
  const raw = service.clientTls;
  if (raw === undefined) return undefined;
  const insecure = raw['allow_insecure_connections'] === true;
  const options: ConnectionOptions = protocolOptions(raw, { min: 'TLSv1.2', max: 'TLSv1.3' });
  const extraCas = strings(raw, 'ca_certs').map((path) => readFileSync(path, 'utf8'));
  if (extraCas.length > 0) options.ca = raw['disable_system_ca_pool'] === true ? extraCas : [...rootCertificates, ...extraCas];
  const clientCerts = pairs(raw, 'client_certs', 'certificate').filter((pair) => pair.cert !== '' && pair.key !== '');
  if (clientCerts.length > 0) {
    options.cert = clientCerts.map((pair) => readFileSync(pair.cert));
    options.key = clientCerts.map((pair) => readFileSync(pair.key));
  }
  if (insecure) options.rejectUnauthorized = false;
  return options;
}

/** Reports every problem of `tls` and `client_tls` at load time, with its key path. */
export function checkTlsConfig(service: ServiceConfig, issues: ConfigIssues): void {
  const checkFile = (at: KeyPath, path: string, what: string): void => {
    if (path === '') {
      issues.error({ code: 'PRT_ERR_CONFIG_TLS', at, message: `${what} is required` });
      return;
    }
    try {
      readFileSync(path);
    } catch (error) {
      issues.error({ code: 'PRT_ERR_CONFIG_TLS', at, message: `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    }
  };
  const checkProtocol = (raw: Raw, root: string): void => {
    for (const key of ['min_version', 'max_version']) {
      const value = text(raw, key);
      if (value !== '' && VERSIONS[value] === undefined) issues.error({ code: 'PRT_ERR_CONFIG_TLS', at: [root, key], message: 'unknown TLS version', expected: Object.keys(VERSIONS).join(', '), found: value });
    }
    numbers(raw, 'cipher_suites').forEach((id, index) => {
      if (CIPHER_SUITES[id] === undefined) issues.error({ code: 'PRT_ERR_CONFIG_TLS', at: [root, 'cipher_suites', index], message: 'unknown or unsupported cipher suite id', found: id });
    });
    numbers(raw, 'curve_preferences').forEach((id, index) => {
      if (CURVES[id] === undefined) issues.error({ code: 'PRT_ERR_CONFIG_TLS', at: [root, 'curve_preferences', index], message: 'unknown curve id', expected: '23 (P-256), 24 (P-384), 25 (P-521) or 29 (X25519)', found: id });
    });
  };
  const server = service.tls;
  if (server !== undefined && server['disabled'] !== true) {
    checkProtocol(server, 'tls');
    const hasMain = text(server, 'public_key') !== '' || text(server, 'private_key') !== '';
    if (hasMain || pairs(server, 'keys', 'public_key').length === 0) {
      checkFile(['tls', 'public_key'], text(server, 'public_key'), 'the certificate (public_key)');
      checkFile(['tls', 'private_key'], text(server, 'private_key'), 'the private key (private_key)');
    }
    pairs(server, 'keys', 'public_key').forEach((pair, index) => {
      checkFile(['tls', 'keys', index, 'public_key'], pair.cert, 'the certificate');
      checkFile(['tls', 'keys', index, 'private_key'], pair.key, 'the private key');
    });
    if (server['enable_mtls'] === true) {
      const cas = strings(server, 'ca_certs');
      if (cas.length === 0) {
        issues.error({
          code: 'PRT_ERR_CONFIG_TLS',
          at: ['tls', 'ca_certs'],
          message: 'mutual TLS needs the CA that signs client certificates',
          hint: 'Portico never trusts the system CA pool for client certificates (any public certificate would pass); list your CA in ca_certs',
        });
      }
      cas.forEach((path, index) => checkFile(['tls', 'ca_certs', index], path, 'the CA'));
    }
  }
  const client = service.clientTls;
  if (client !== undefined) {
    checkProtocol(client, 'client_tls');
    strings(client, 'ca_certs').forEach((path, index) => checkFile(['client_tls', 'ca_certs', index], path, 'the CA'));
    pairs(client, 'client_certs', 'certificate').forEach((pair, index) => {
      checkFile(['client_tls', 'client_certs', index, 'certificate'], pair.cert, 'the client certificate');
      checkFile(['client_tls', 'client_certs', index, 'private_key'], pair.key, 'the client key');
    });
    if (client['allow_insecure_connections'] === true) {
      issues.warning({ code: 'PRT_WARN_CONFIG_INSECURE_TLS', at: ['client_tls', 'allow_insecure_connections'], message: 'backend certificates are not verified: anyone on the network path can impersonate your backends' });
    }
  }
}

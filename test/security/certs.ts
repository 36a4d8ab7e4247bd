/**
 * Certificates made for a test run with the `openssl` command line: a CA, and leaf certificates it signs
 * (servers with SANs, clients for mutual TLS). Everything lives in a temp directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class CertificateAuthority {
  readonly dir = mkdtempSync(join(tmpdir(), 'portico-certs-'));
  readonly cert: string;
  readonly key: string;
  private serial = 1;

  constructor(readonly name: string) {
    this.key = join(this.dir, `${name}-ca.key`);
    this.cert = join(this.dir, `${name}-ca.crt`);
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', this.key, '-out', this.cert, '-days', '2', '-subj', `/CN=${name} test CA`]);
  }

  /** A leaf certificate; `names` become DNS or IP subjectAltNames. */
  issue(commonName: string, names: string[], usage: 'server' | 'client'): Pem {
    const base = join(this.dir, `${commonName}-${this.serial++}`);
    const key = `${base}.key`;
    const csr = `${base}.csr`;
    const cert = `${base}.crt`;
    const ext = `${base}.ext`;
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}`]);
    const sans = names.map((name) => (/^[\d.]+$/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
    writeFileSync(ext, `${sans ? `subjectAltName=${sans}\n` : ''}extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}\n`);
    openssl(['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
    return { cert, key };
  }
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

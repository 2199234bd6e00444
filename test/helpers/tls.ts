// Certificates made at test time with the openssl CLI, in a temp dir removed at test end: a CA,
// a server certificate for 127.0.0.1 and localhost, a client certificate, a certificate for both
// uses (a framework that serves its API and calls a master that asks for certificates), and a
// second CA that signed nothing of ours (an untrusted one).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { ClientTls, ServerTls } from '../../protocol/index.js';

export interface TestCerts {
  dir: string;
  /** File paths, as the flags take them. */
  files: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; peerCert: string; peerKey: string; otherCa: string; otherServerCert: string; otherServerKey: string };
  /** The server's TLS; with `mutual`, it requires client certificates signed by the CA. */
  server(mutual?: boolean): ServerTls;
  /** A client that trusts the CA, with the client certificate when `withCert`. */
  client(withCert?: boolean): ClientTls;
}

const openssl = (dir: string, args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function makeLeaf(dir: string, ca: string, name: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

export function testCerts(t: Test): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'berth-test-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
  makeCa(dir, 'ca');
  makeLeaf(dir, 'ca', 'server', serverExt);
  makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n');
  makeLeaf(dir, 'ca', 'peer', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'other-ca', 'other-server', serverExt);
  const f = (name: string): string => join(dir, name);
  const files = {
    ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'), peerCert: f('peer.crt'), peerKey: f('peer.key'),
    otherCa: f('other-ca.crt'), otherServerCert: f('other-server.crt'), otherServerKey: f('other-server.key'),
  };
  const read = (file: string): Buffer => readFileSync(file);
  return {
    dir,
    files,
    server: (mutual = false) => ({ cert: read(files.serverCert), key: read(files.serverKey), ...(mutual ? { clientCa: read(files.ca) } : {}) }),
    client: (withCert = false) => ({ ca: read(files.ca), ...(withCert ? { cert: read(files.clientCert), key: read(files.clientKey) } : {}) }),
  };
}

// The TLS flags' files are read and checked once, every problem naming its flag: both halves of a
// certificate or neither, a key that is the certificate's, PEM that parses, a client CA only with
// a certificate to serve.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readClientTls, readServerTls, readTlsFlags } from '../../protocol/index.js';
import { testCerts } from '../helpers/tls.js';

t.test('a certificate and its key make a server TLS; a client CA adds mutual TLS', async (t) => {
  const c = testCerts(t);
  const plain = readServerTls({});
  t.same(plain, { problems: [] }, 'no flags: plain http');
  const one = readServerTls({ certFile: c.files.serverCert, keyFile: c.files.serverKey, clientCaFile: c.files.ca });
  t.same(one.problems, []);
  t.ok(one.tls?.cert && one.tls.key && one.tls.clientCa, 'certificate, key and client CA read');
  const all = readTlsFlags({ certFile: c.files.clientCert, keyFile: c.files.clientKey, caFile: c.files.ca, redisCaFile: c.files.otherCa });
  t.same(all.problems, []);
  t.ok(all.client?.ca && all.client.cert && all.redisCa, 'the certificate doubles as the client certificate');
});

t.test('each problem names its flag and the rule', async (t) => {
  const c = testCerts(t);
  t.match(readServerTls({ certFile: c.files.serverCert }).problems, [/--tls-cert and --tls-key go together/]);
  t.match(readServerTls({ certFile: c.files.serverCert, keyFile: c.files.clientKey }).problems, [/--tls-key .*client\.key: is not the private key of the certificate in --tls-cert/]);
  t.match(readServerTls({ clientCaFile: c.files.ca }).problems, [/--tls-client-ca needs --tls-cert and --tls-key/]);
  const junk = join(c.dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  t.match(readClientTls({ caFile: junk }).problems, [/--ca-file .*junk\.pem: must be a CA certificate in PEM form/]);
  t.match(readServerTls({ certFile: c.files.serverCert, keyFile: junk }).problems, [/--tls-key .*junk\.pem: must be a private key in PEM form/]);
  t.match(readTlsFlags({ redisCaFile: join(c.dir, 'missing.crt') }).problems, [/--redis-ca-file .*missing\.crt: cannot read it \(ENOENT\)/]);
});

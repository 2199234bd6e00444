// Redis over TLS (rediss://): redis-server's --tls-port with a certificate from the test CA. The
// store connects when given the CA and works through it; without the CA it refuses to connect,
// with an error that names the certificate problem.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { RedisStore } from '../../master/store/index.js';
import { freePort } from '../helpers/processes.js';
import { startRedis, uniquePrefix } from '../helpers/redis.js';
import { testCerts } from '../helpers/tls.js';
import { elect } from './store-contract.js';

void t.test('rediss:// with the CA given; refused without it', async (t) => {
  const certs = testCerts(t);
  const tlsPort = await freePort();
  const redis = await startRedis(t, {
    extraArgs: ['--tls-port', String(tlsPort), '--tls-cert-file', certs.files.serverCert, '--tls-key-file', certs.files.serverKey, '--tls-ca-cert-file', certs.files.ca, '--tls-auth-clients', 'no'],
  });
  if (!redis) return;
  const url = `rediss://127.0.0.1:${tlsPort}`;
  const store = await RedisStore.open({ url, tlsCa: readFileSync(certs.files.ca), keyPrefix: uniquePrefix('tls'), connectTimeoutMs: 5_000 });
  t.teardown(() => store.close());
  const { epoch } = await elect(t, store, 'm1');
  t.ok(epoch > 0, 'elected through the TLS connection');

  const err = await RedisStore.open({ url, keyPrefix: uniquePrefix('tls'), connectTimeoutMs: 1_000, onConnectionError: () => undefined }).catch((e: unknown) => e as Error);
  t.type(err, Error, 'without the CA open() fails');
  t.match(String((err as Error).message), /certificate|self.signed|unable to verify/i, `says why: ${(err as Error).message}`);
});

// SchedulerClient options are compiled once: defaults filled, every problem listed in one error.
import t from 'tap';
import { BerthError, SchedulerClient, compileSchedulerClientOptions, type SchedulerClientOptions } from '../../frameworks/sdk/index.js';

t.test('defaults are filled in', async (t) => {
  const o = compileSchedulerClientOptions({ masterUrl: 'ws://a:5050/, ws://b:5050', framework: { name: 'x' } });
  t.same(o.masterUrls, ['ws://a:5050', 'ws://b:5050']);
  t.same(o.framework.roles, ['*']);
  t.equal(o.frameworkId, '');
  t.equal(o.autoAcknowledge, true);
  t.equal(o.reconcileOnResubscribe, true);
  t.equal(o.maxReconnectAttempts, Infinity);
  t.same(o.reconnect, { initialMs: 200, maxMs: 5_000 });
  t.equal(o.heartbeatTimeoutMs, undefined, 'left to three of the intervals the master announces');
  t.equal(typeof o.log.debug, 'function');
});

t.test('given values are kept', async (t) => {
  const o = compileSchedulerClientOptions({
    masterUrl: ['ws://a:1'],
    framework: { name: 'x', roles: ['eng'], failoverTimeoutMs: 5 },
    frameworkId: 'fw-1',
    autoAcknowledge: false,
    maxReconnectAttempts: 0,
    reconnect: { initialMs: 1, maxMs: 2 },
  });
  t.same(o.framework, { name: 'x', roles: ['eng'], failoverTimeoutMs: 5 });
  t.equal(o.frameworkId, 'fw-1');
  t.equal(o.autoAcknowledge, false);
  t.equal(o.maxReconnectAttempts, 0);
  t.same(o.reconnect, { initialMs: 1, maxMs: 2 });
});

t.test('every problem is listed in one BerthError naming the fields', async (t) => {
  const bad = {
    masterUrl: ['ftp://a:1', 'ws://b:1'],
    framework: { name: '', roles: ['ok', ''], failoverTimeoutMs: -1 },
    frameworkId: 'has space',
    autoAcknowledge: 'yes',
    maxReconnectAttempts: 1.5,
    reconnect: { initialMs: 100, maxMs: 10 },
    heartbeatTimeoutMs: 0,
    log: {},
    signal: 'stop',
  } as unknown as SchedulerClientOptions;
  const err = t.throws(() => compileSchedulerClientOptions(bad)) as BerthError;
  t.ok(err instanceof BerthError);
  t.equal(err.code, 'INVALID_CALL');
  for (const rule of [
    /masterUrl\[0\] "ftp:\/\/a:1" has the scheme ftp; a master is reached with ws:\/\//,
    /framework\.name must be a non-empty string/,
    /framework\.roles\[1\] must be a non-empty string/,
    /framework\.failoverTimeoutMs must be a finite number/,
    /frameworkId "has space" must be 1-200 characters/,
    /autoAcknowledge must be true or false/,
    /maxReconnectAttempts must be a whole number/,
    /reconnect\.maxMs must be >= reconnect\.initialMs/,
    /heartbeatTimeoutMs must be a number of milliseconds > 0/,
    /log must have info\(\) and warn\(\)/,
    /signal must be an AbortSignal/,
  ]) t.match(err.message, rule);
  t.match(err.field, /masterUrl\[0\],framework\.name,/);
  t.notMatch(err.message, /masterUrl\[1\]/, 'a good URL is not blamed');
});

t.test('the client refuses bad options when it is built', async (t) => {
  t.throws(() => new SchedulerClient({ masterUrl: '', framework: { name: 'x' } }), /masterUrl must name at least one ws:\/\/ URL/);
  t.throws(() => new SchedulerClient({ masterUrl: 'ws://a:1' } as SchedulerClientOptions), /framework must be an object/);
});

t.test('ca, cert and key are PEM text or bytes, cert and key together', async (t) => {
  const o = compileSchedulerClientOptions({ masterUrl: 'wss://a:5050', framework: { name: 'x' }, ca: 'CA PEM', cert: Buffer.from('CERT'), key: 'KEY' });
  t.same(o.tls, { ca: Buffer.from('CA PEM'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  t.equal(compileSchedulerClientOptions({ masterUrl: 'ws://a:5050', framework: { name: 'x' } }).tls, undefined, 'none: the system CAs');
  const err = t.throws(() => compileSchedulerClientOptions({ masterUrl: 'wss://a:5050', framework: { name: 'x' }, cert: 'CERT', ca: 42 as unknown as string })) as BerthError;
  t.match(err.message, /ca must be PEM text \(a string or a Buffer\)/);
  t.match(err.message, /key must be given with cert/);
});

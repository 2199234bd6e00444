// The lb bench reads wrk's --latency report into numbers: requests per second, p50 and p99 in ms
// whatever unit wrk chose, and socket errors with non-2xx answers as errors.
import t from 'tap';
import { parseWrk, wrkMs } from '../../bench/lb-kit.js';

const REPORT = `Running 2s test @ http://127.0.0.1:18081/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.32ms    5.42ms  42.61ms   92.81%
    Req/Sec     5.16k     1.14k    7.59k    65.00%
  Latency Distribution
     50%  497.00us
     75%    1.35ms
     90%    4.88ms
     99%    1.20s
  10296 requests in 2.01s, 2.09MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   5124.52
Transfer/sec:      1.04MB
`;

void t.test('a wrk report becomes numbers', async (t) => {
  t.same(parseWrk(REPORT), { rps: 5124.52, p50Ms: 0.497, p99Ms: 1200, requests: 10296, errors: 10 });
  const clean = parseWrk(REPORT.replace(/ {2}Socket errors.*\n {2}Non-2xx.*\n/, ''));
  t.equal(clean.errors, 0, 'no error lines, no errors');
  t.ok(Number.isNaN(parseWrk('wrk: connection refused').rps), 'no report, no rps');
});

void t.test('latencies in every unit wrk prints', async (t) => {
  t.equal(wrkMs('250.00us'), 0.25);
  t.equal(wrkMs('3.5ms'), 3.5);
  t.equal(wrkMs('2.00s'), 2000);
  t.equal(wrkMs('1.00m'), 60_000);
  t.ok(Number.isNaN(wrkMs('fast')));
});

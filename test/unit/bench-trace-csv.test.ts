// The replay bench's CSV inputs: a trace and an agents file are read, and every bad cell is named
// by file, line and column; a job no agent set could hold is found before the replay.
import t from 'tap';
import { CsvError, neverFits, parseAgents, parseTrace } from '../../bench/trace-csv.js';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof CsvError) return err.problems;
    throw err;
  }
  return [];
};

void t.test('a trace is read, comments and blank lines skipped, sorted by submit time, gang size 1 by default', async (t) => {
  const jobs = parseTrace('t.csv', '# a comment\nsubmitSeconds,cpus,memMb,durationSeconds,gangSize\n2.5,1,512,3,\n\n0.5,0.5,256,1.5,4\n');
  t.same(jobs, [
    { line: 5, submitMs: 500, cpus: 0.5, memMb: 256, durationMs: 1500, gangSize: 4 },
    { line: 3, submitMs: 2500, cpus: 1, memMb: 512, durationMs: 3000, gangSize: 1 },
  ]);
  t.same(parseTrace('t.csv', 'submitSeconds,cpus,memMb,durationSeconds\n0,1,1,1\n').map((j) => j.gangSize), [1], 'the gang column may be left out');
});

void t.test('every bad cell is named by file, line and column, all at once', async (t) => {
  const found = problems(() => parseTrace('t.csv', 'submitSeconds,cpus,memMb,durationSeconds,gangSize\n-1,0,abc,2,1.5\n1,1,1\n'));
  t.same(found, [
    't.csv line 3: 3 column(s), the header has 5 (submitSeconds,cpus,memMb,durationSeconds,gangSize)',
    't.csv line 2, column submitSeconds: must be a number >= 0, got "-1"',
    't.csv line 2, column cpus: must be a number > 0, got "0"',
    't.csv line 2, column memMb: must be a number > 0, got "abc"',
    't.csv line 2, column gangSize: must be a whole number >= 1 and <= 1000, got "1.5"',
  ]);
  t.match(problems(() => parseTrace('t.csv', 'time,cpus\n1,2\n')), [/t\.csv line 1: the header must be submitSeconds,cpus,memMb,durationSeconds\[,gangSize\], got time,cpus/]);
  t.match(problems(() => parseTrace('t.csv', '# nothing\n')), [/t\.csv: empty/]);
  t.match(problems(() => parseAgents('a.csv', 'cpus,memMb,count\n8,1024,0\n')), [/a\.csv line 2, column count: must be a whole number >= 1/]);
});

void t.test('agents rows repeat by count; jobs that never fit are found', async (t) => {
  const agents = parseAgents('a.csv', 'cpus,memMb,count\n4,4096,2\n8,1024,1\n');
  t.same(agents, [{ cpus: 4, memMb: 4096 }, { cpus: 4, memMb: 4096 }, { cpus: 8, memMb: 1024 }]);
  const jobs = parseTrace('t.csv', 'submitSeconds,cpus,memMb,durationSeconds,gangSize\n0,16,1,1,1\n0,4,2048,1,3\n0,4,2048,1,2\n0,2,512,1,6\n');
  t.same(neverFits(jobs, agents).map((j) => j.line), [2, 3], 'a task larger than every agent, and a gang of three where two fit');
  t.match(problems(() => parseAgents('a.csv', 'cpus,memMb,count\n8,1024\n')), [/a\.csv line 2: 2 column\(s\), the header has 3/]);
});

import t from 'tap';
import { ALL_STATES, TaskState, canTransition, isTerminal, stateName } from '../../protocol/index.js';

const S = TaskState;

t.test('a terminal state never moves, not even to itself', async (t) => {
  for (const from of ALL_STATES.filter(isTerminal)) {
    for (const to of ALL_STATES) t.notOk(canTransition(from, to), `${stateName(from)} -> ${stateName(to)}`);
  }
});

t.test('every live state can end, and can repeat itself (health changes ride on it)', async (t) => {
  for (const from of ALL_STATES.filter((s) => !isTerminal(s))) {
    t.ok(canTransition(from, from), `${stateName(from)} -> itself`);
    for (const end of [S.TASK_FINISHED, S.TASK_FAILED, S.TASK_KILLED, S.TASK_LOST]) t.ok(canTransition(from, end), `${stateName(from)} -> ${stateName(end)}`);
  }
});

t.test('no move goes backwards, but an unreachable task may come back', async (t) => {
  t.notOk(canTransition(S.TASK_RUNNING, S.TASK_STARTING));
  t.notOk(canTransition(S.TASK_KILLING, S.TASK_RUNNING));
  t.notOk(canTransition(S.TASK_RUNNING, S.TASK_STAGING));
  t.ok(canTransition(S.TASK_UNREACHABLE, S.TASK_RUNNING));
  t.notOk(canTransition(S.TASK_RUNNING, S.TASK_UNKNOWN), 'UNKNOWN is an answer, never a state to move to');
  t.equal(ALL_STATES.filter(isTerminal).length, 8);
});

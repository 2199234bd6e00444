// berth master: one master process; several may share one Redis, one of them leads.
import { cliLogger, LOG_FLAGS, LOG_LEVELS } from '../log.js';
import { untilSignal } from '../process-life.js';
import { MASTER_FLAGS, MASTER_UI_FLAGS, masterFlags } from '../master-flags.js';
import { Problems, type Command } from '../flags.js';
import { SERVER_TLS_FLAGS } from '../tls-flags.js';

export const masterCommand: Command = {
  name: 'master',
  summary: 'Start a master: it pools agent resources and offers them fairly to frameworks.',
  usage: 'berth master [--port P] [--redis URL | --data DIR] [flags]',
  flags: { ...MASTER_FLAGS, ...SERVER_TLS_FLAGS, ...MASTER_UI_FLAGS, ...LOG_FLAGS },
  examples: [
    'berth master --port 5050                      # state in memory',
    'berth master --port 5050 --redis redis://127.0.0.1:6379   # shared state; run several for HA',
    'berth master --role eng=1 --role analytics=3',
    'berth master --tls-cert master.crt --tls-key master.key --tls-client-ca ca.crt   # wss:// and https://, agents need certificates',
    'berth master --framework-link services=https://10.0.0.2:5070 --ca-file ca.crt   # the web UI shows the services',
  ],
  async run(flags) {
    const problems = new Problems('master');
    const m = masterFlags(flags, problems);
    problems.oneOf(flags, 'log-level', LOG_LEVELS);
    problems.throwIfAny();
    const log = cliLogger(String(flags['log-level']), Boolean(flags['log-json']));
    const { runMaster } = await import('../compose.js');
    const running = await runMaster(m, log);
    log.info({ url: running.url, api: `${running.httpUrl}/api/v1/state`, leadership: running.master.leadership }, 'master started');
    running.master.onStepDown((reason) => {
      // A master that lost its lease must not act again; exiting lets a supervisor restart it as a standby.
      log.error({ reason }, 'lost leadership; exiting');
      void running.close().finally(() => process.exit(3));
    });
    return untilSignal(log, () => running.close());
  },
};

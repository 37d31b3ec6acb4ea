// pm2 ecosystem file for the symphony daemon.
//
//   export LINEAR_API_KEY=lin_api_…            # secrets come from the environment, never from this file
//   SYMPHONY_WORKFLOW=/srv/symphony/WORKFLOW.md pm2 start deploy/ecosystem.config.cjs
//   pm2 logs symphony        pm2 stop symphony        pm2 delete symphony
//
// pm2 passes the environment of the `pm2 start` command on to the daemon; the daemon removes tracker
// secrets from every agent's environment. Note that `pm2 save` writes that environment, secrets
// included, in clear text into $PM2_HOME/dump.pm2: keep PM2_HOME private (or load the secrets
// from a file in a wrapper script) if you use `pm2 startup` / `pm2 save`.
//
// Settings, all optional, read when pm2 loads this file:
//   SYMPHONY_WORKFLOW      workflow path                   default: ./WORKFLOW.md (pm2's cwd)
//   SYMPHONY_LOGS_ROOT     --logs-root (symphony.log, session logs)   default: ./log next to the workflow
//   SYMPHONY_PORT          --port of the HTTP dashboard/API            default: none (server.port applies)
//   SYMPHONY_JOURNAL       --journal: the run journal's file           default: journal.db in the logs root
//   SYMPHONY_PM2_LOG_DIR   where pm2 writes the daemon's stdout/stderr default: SYMPHONY_LOGS_ROOT
//   SYMPHONY_NODE          the node binary (22.22+, 24 or 26+)         default: `node` on pm2's PATH
//
// Node.js: the daemon runs on SYMPHONY_NODE (else the `node` on pm2's PATH), which need not be
// the node pm2 itself runs on. It needs 22.22+, 24 or 26+ (23 and 25 are not
// supported); with an older one it exits 1 at once with one line in symphony.err.log,
// `symphony needs Node.js >= 22.22, excluding 23 and 25 (found 20.20.2 at /usr/bin/node)`, and
// pm2 gives up after max_restarts. Install Node 24 from NodeSource, the official nodejs.org
// tarball or nvm, and set SYMPHONY_NODE to its absolute path (e.g. `SYMPHONY_NODE=$(nvm which 24)`).
//
// Stopping: `pm2 stop` signals the daemon only (treekill: false) with pm2's kill signal, SIGINT
// (PM2_KILL_SIGNAL=SIGTERM in the environment that starts the pm2 daemon changes it; symphony
// treats both alike). The daemon stops polling, stops every agent's whole process group, runs
// after_run hooks and exits 0 within its 8 s shutdown budget; pm2 SIGKILLs it only after
// kill_timeout (30 s). Restarting: on a crash or
// a failed start (exit 1: invalid workflow), with exponential backoff from 1 s, at most 10 times
// in a row (a run that lasted min_uptime resets the count); a clean exit 0 is not restarted.
'use strict';

const path = require('node:path');

const workflow = path.resolve(process.env.SYMPHONY_WORKFLOW || 'WORKFLOW.md');
const logsRoot = path.resolve(process.env.SYMPHONY_LOGS_ROOT || path.join(path.dirname(workflow), 'log'));
const pm2LogDir = path.resolve(process.env.SYMPHONY_PM2_LOG_DIR || logsRoot);
const port = process.env.SYMPHONY_PORT;
const journal = process.env.SYMPHONY_JOURNAL;

module.exports = {
  apps: [
    {
      name: 'symphony',
      script: path.join(__dirname, '..', 'bin', 'symphony.js'),
      args: [workflow, '--logs-root', logsRoot, ...(port ? ['--port', port] : []), ...(journal ? ['--journal', path.resolve(journal)] : [])],
      interpreter: process.env.SYMPHONY_NODE || 'node',
      cwd: path.dirname(workflow),
      exec_mode: 'fork',
      instances: 1,
      // Code changes need a restart; workflow edits are picked up by the daemon itself.
      watch: false,

      // Stop: only the daemon gets the signal; it stops its agents itself.
      treekill: false,
      kill_timeout: 30_000,

      // Restart policy.
      autorestart: true,
      stop_exit_codes: [0],
      exp_backoff_restart_delay: 1_000,
      max_restarts: 10,
      min_uptime: 60_000,

      // stdout is JSON lines (no terminal under pm2); pm2 adds its own timestamps.
      out_file: path.join(pm2LogDir, 'symphony.out.log'),
      error_file: path.join(pm2LogDir, 'symphony.err.log'),
      merge_logs: true,
      time: true,

      // Non-secret settings only. LINEAR_API_KEY and other secrets: export them before `pm2 start`.
      env: {
        NODE_ENV: 'production',
      },
    },
  ],
};

/**
 * The graceful shutdown budget (spec §8.6, §16.1 shutdown; README "Stop"): on SIGINT/SIGTERM/SIGHUP
 * agents are stopped and `after_run` hooks run for at most this long; whatever still runs then is
 * killed (whole process groups) and the daemon exits. Service managers should allow more than this
 * before they SIGKILL (the shipped systemd unit and pm2 file allow 30 s).
 */
export const SHUTDOWN_DEADLINE_MS = 8000;

// The Node.js versions symphony runs on, checked by bin/symphony.js before anything else loads.
// Plain JavaScript without imports or recent syntax, so that an old Node parses and runs it and
// the operator gets one line instead of a stack trace from deep inside a dependency.
//
// The range is the intersection of the `engines.node` of every runtime dependency: chokidar 6
// needs >= 22.22, and graphql 17 supports the even majors only (^22 || ^24 || >=26), so 23 and 25
// are excluded. package.json's `engines.node` states the same range (a test keeps them equal).

/** `engines.node` of package.json, as a semver range. */
export const SUPPORTED_NODE_RANGE = '^22.22.0 || ^24.0.0 || >=26.0.0';

/** The lowest supported version, as shown to the operator. */
export const MINIMUM_NODE_VERSION = '22.22';

/**
 * Whether `version` (`process.versions.node`, e.g. `"24.21.0"`; a leading `v` is accepted) lies
 * in {@link SUPPORTED_NODE_RANGE}: 22.22 or later 22.x, any 24.x, or 26 and later. A pre-release
 * counts as its release (`26.0.0-nightly…` is 26.0.0). An unparseable string is unsupported.
 * Pure.
 *
 * @param {string} version
 * @returns {boolean}
 */
export function isSupportedNodeVersion(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version));
  if (match === null) return false;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major === 22) return minor >= 22;
  return major === 24 || major >= 26;
}

/**
 * The one line to print when `version` is not supported, or null when it is. Pure.
 *
 * @param {string} version - the running version, `process.versions.node`.
 * @param {string} [execPath] - the running binary, `process.execPath`; named in the line because
 *   a service manager (systemd's ExecStart, pm2's interpreter) may run a different node than the
 *   operator's shell.
 * @returns {string | null} e.g. `symphony needs Node.js >= 22.22, excluding 23 and 25 (found 20.20.2 at /usr/bin/node)`
 */
export function nodeVersionProblem(version, execPath) {
  if (isSupportedNodeVersion(version)) return null;
  const where = execPath ? ' at ' + execPath : '';
  return 'symphony needs Node.js >= ' + MINIMUM_NODE_VERSION + ', excluding 23 and 25 (found ' + version + where + ')';
}

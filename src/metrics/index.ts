/** Prometheus metrics of the daemon (issue 3 item 5); see {@link DaemonMetrics} for the metric table. */
export { DaemonMetrics, type DaemonMetricsOptions, type MetricsScrape } from './daemon-metrics.js';
export type { TrackerRequestObserver } from './tracker-observer.js';
export { MAX_OPERATION_LABELS, UNKNOWN_LABEL } from './labels.js';

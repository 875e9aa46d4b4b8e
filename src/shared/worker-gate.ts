// Whether a worker may start a new job now: the traffic layer closes it in degraded mode, the queue only asks.
export interface WorkerGate {
  /** False while new runs must not start (degraded mode); jobs wait in the queue. */
  allowStart(): boolean;
}

/**
 * `process_metrics` and `go_metrics` of a Prometheus exporter. KrakenD registers Go's process and
 * runtime collectors; Portico reports the process with the same names (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `process_start_time_seconds`, `process_open_fds`) and, for
 * `go_metrics`, Node's runtime under `nodejs_*` names (heap, external memory, event-loop delay, active
 * handles): Go's goroutines and GC have no Node counterpart (see the Grafana dashboard in deploy/grafana).
 * Read only when scraped, from a separate meter so only the Prometheus reader sees them (as in KrakenD).
 */
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Meter } from '@opentelemetry/api';

export function registerProcessMetrics(meter: Meter): void {
  const startSeconds = Math.round((Date.now() - performance.now()) / 1000);
  meter.createObservableCounter('process_cpu_seconds', { description: 'Total user and system CPU time spent in seconds.' }).addCallback((result) => {
    const usage = process.cpuUsage();
    result.observe((usage.user + usage.system) / 1e6);
  });
  meter.createObservableGauge('process_resident_memory_bytes', { description: 'Resident memory size in bytes.' }).addCallback((result) => result.observe(process.memoryUsage.rss()));
  meter.createObservableGauge('process_start_time_seconds', { description: 'Start time of the process since unix epoch in seconds.' }).addCallback((result) => result.observe(startSeconds));
  meter.createObservableGauge('process_open_fds', { description: 'Number of open file descriptors.' }).addCallback((result) => {
    try {
      result.observe(readdirSync('/proc/self/fd').length);
    } catch {
      // Not Linux: no /proc, no value.
    }
  });
}

export function registerRuntimeMetrics(meter: Meter): () => void {
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  meter.createObservableGauge('nodejs_heap_used_bytes', { description: 'V8 heap in use, in bytes.' }).addCallback((result) => result.observe(process.memoryUsage().heapUsed));
  meter.createObservableGauge('nodejs_heap_total_bytes', { description: 'V8 heap reserved, in bytes.' }).addCallback((result) => result.observe(process.memoryUsage().heapTotal));
  meter.createObservableGauge('nodejs_external_memory_bytes', { description: 'Memory of C++ objects bound to JavaScript (buffers), in bytes.' }).addCallback((result) => result.observe(process.memoryUsage().external));
  meter.createObservableGauge('nodejs_eventloop_lag_seconds', { description: 'Mean event-loop delay since the previous scrape, in seconds.' }).addCallback((result) => {
    result.observe(Number.isNaN(delay.mean) ? 0 : delay.mean / 1e9);
    delay.reset();
  });
  meter.createObservableGauge('nodejs_active_handles', { description: 'Active libuv handles and requests (sockets, timers).' }).addCallback((result) => result.observe(process.getActiveResourcesInfo().length));
  return () => delay.disable();
}

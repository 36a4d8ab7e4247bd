/**
 * What the console's JSON API serves, shared by the server (model.ts, live.ts) and the page (console/):
 * plain data, no imports, so the page's build reads it without the server's code.
 */
export interface ConsoleFinding {
  source: 'check' | 'audit';
  severity: string;
  code: string;
  message: string;
  keyPath: string;
  line?: number;
}

export interface ConsoleStage {
  namespace: string;
  /** The component's block as configured, secrets masked. */
  config: unknown;
}

export interface ConsoleBackend {
  id: string;
  hosts: string[];
  urlPattern: string;
  /** The backend's name in telemetry/metrics (lura's form of the url_pattern): live numbers are per name. */
  metric: string;
  method: string;
  encoding: string;
  /** Backend-layer components, outermost first. */
  backend: ConsoleStage[];
  /** Client-layer components around the HTTP exchange, outermost first. */
  client: ConsoleStage[];
  /** Other namespaces on the backend (core ones such as `backend/http`). */
  other: ConsoleStage[];
  line?: number;
}

export interface ConsoleEndpoint {
  id: string;
  method: string;
  path: string;
  /** The metric name of the route (gin's form, `/users/:id`): live numbers are per route. */
  route: string;
  line?: number;
  timeoutMs: number;
  outputEncoding: string;
  router: ConsoleStage[];
  proxy: ConsoleStage[];
  other: ConsoleStage[];
  backends: ConsoleBackend[];
  findings: ConsoleFinding[];
}

export interface ConsoleModel {
  file: string;
  name: string;
  port: number;
  valid: boolean;
  service: ConsoleStage[];
  endpoints: ConsoleEndpoint[];
  /** Findings that concern no single endpoint. */
  findings: ConsoleFinding[];
}

export interface LiveFigures {
  /** Requests per second over the last interval. */
  rate: number;
  /** Share of those that failed (router: 5xx; backend: an error). */
  errorRate: number;
  total: number;
  errors: number;
  /** Milliseconds, over the histogram's current and previous windows; undefined before any sample. */
  p50?: number;
  p99?: number;
}

export interface LiveView {
  at: number;
  /** Set when no gateway runs (`portico console`): there are no live numbers. */
  offline?: boolean;
  routes: Record<string, LiveFigures>;
  backends: Record<string, LiveFigures>;
}

/** The shapes the console's API serves (src/console/model.ts and live.ts), as the page reads them. */
export interface Finding {
  source: 'check' | 'audit';
  severity: string;
  code: string;
  message: string;
  keyPath: string;
  line?: number;
}

export interface Stage {
  namespace: string;
  config: unknown;
}

export interface Backend {
  id: string;
  hosts: string[];
  urlPattern: string;
  metric: string;
  method: string;
  encoding: string;
  backend: Stage[];
  client: Stage[];
  other: Stage[];
  line?: number;
}

export interface Endpoint {
  id: string;
  method: string;
  path: string;
  route: string;
  line?: number;
  timeoutMs: number;
  outputEncoding: string;
  router: Stage[];
  proxy: Stage[];
  other: Stage[];
  backends: Backend[];
  findings: Finding[];
}

export interface Model {
  file: string;
  name: string;
  port: number;
  valid: boolean;
  service: Stage[];
  endpoints: Endpoint[];
  findings: Finding[];
}

export interface Figures {
  rate: number;
  errorRate: number;
  total: number;
  errors: number;
  p50?: number;
  p99?: number;
}

export interface Live {
  at: number;
  offline?: boolean;
  routes: Record<string, Figures>;
  backends: Record<string, Figures>;
}

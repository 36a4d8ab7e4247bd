/**
 * Portico's console page: the endpoints of the config (a virtualised list, searchable by path), the
 * pipeline of the selected one in the order its layers run, its findings with their lines, the endpoint →
 * backend graph, and live numbers polled every second from the running instance.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { millis, percent, rate } from './format.js';
import { Graph } from './graph.js';
import type { Backend, Endpoint, Figures, Finding, Live, Model, Stage } from './types.js';

const ROW_HEIGHT = 40;
const POLL_MS = 1_000;

function useModel(): { model: Model | undefined; error: string | undefined } {
  const [model, setModel] = useState<Model>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    fetch('/api/model')
      .then((response) => (response.ok ? (response.json() as Promise<Model>) : Promise.reject(new Error(`HTTP ${response.status}`))))
      .then(setModel, (reason: Error) => setError(reason.message));
  }, []);
  return { model, error };
}

function useLive(): Live | undefined {
  const [live, setLive] = useState<Live>();
  useEffect(() => {
    let stopped = false;
    const poll = async (): Promise<void> => {
      try {
        const response = await fetch('/api/live');
        if (response.ok && !stopped) setLive((await response.json()) as Live);
      } catch {
        // The gateway restarting: keep the last numbers, try again next tick.
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return live;
}

function FindingList({ findings, file }: { findings: Finding[]; file: string }) {
  if (findings.length === 0) return <p class="note">No findings.</p>;
  return (
    <ul class="findings" data-testid="findings">
      {findings.map((finding, index) => (
        <li key={index} class={`finding ${finding.severity.toLowerCase()}`} data-testid="finding">
          <span class="badge">{finding.severity}</span> <code>{finding.code}</code>{' '}
          <span class="where" data-testid="finding-line">
            {file}
            {finding.line !== undefined ? `:${finding.line}` : ''}
          </span>
          {finding.keyPath && <code class="key">{finding.keyPath}</code>}
          <div>{finding.message}</div>
        </li>
      ))}
    </ul>
  );
}

function Stages({ title, stages }: { title: string; stages: Stage[] }) {
  return (
    <div class="layer" data-testid="layer">
      <h4>{title}</h4>
      {stages.length === 0 ? (
        <p class="note">nothing configured</p>
      ) : (
        <ol class="stages">
          {stages.map((stage) => (
            <li key={stage.namespace} class="stage" data-testid="stage">
              <details>
                <summary>{stage.namespace}</summary>
                <pre>{JSON.stringify(stage.config, null, 2)}</pre>
              </details>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function LiveLine({ figures, offline }: { figures: Figures | undefined; offline: boolean }) {
  if (offline) return <span class="live offline">offline</span>;
  return (
    <span class="live" data-testid="live">
      <span title="requests per second">{rate(figures)}</span> · <span title="error rate">{percent(figures?.errorRate)} errors</span> · <span title="latency p50">p50 {millis(figures?.p50)}</span> ·{' '}
      <span title="latency p99">p99 {millis(figures?.p99)}</span> · <span title="requests since start">{figures?.total ?? 0} total</span>
    </span>
  );
}

function BackendCard({ backend, live, offline }: { backend: Backend; live: Live | undefined; offline: boolean }) {
  return (
    <li class="backend" data-testid="backend">
      <h4>
        <span class="method">{backend.method}</span> {backend.hosts.join(', ') || '(no host)'}
        <code>{backend.urlPattern}</code>
      </h4>
      <LiveLine figures={live?.backends[backend.metric]} offline={offline} />
      <div class="layers">
        <Stages title="Backend layer" stages={backend.backend} />
        <Stages title="Client layer" stages={backend.client} />
        {backend.other.length > 0 && <Stages title="Other settings" stages={backend.other} />}
      </div>
    </li>
  );
}

function EndpointDetail({ endpoint, model, live }: { endpoint: Endpoint; model: Model; live: Live | undefined }) {
  const offline = live?.offline === true || live === undefined;
  return (
    <article class="detail" data-testid="detail" aria-labelledby="detail-title">
      <h2 id="detail-title">
        <span class="method">{endpoint.method}</span> {endpoint.path}
      </h2>
      <p class="meta">
        {model.file}
        {endpoint.line !== undefined ? `:${endpoint.line}` : ''} · timeout {endpoint.timeoutMs} ms · output {endpoint.outputEncoding}
      </p>
      <LiveLine figures={live?.routes[endpoint.route]} offline={offline} />
      <h3>Pipeline</h3>
      <div class="pipeline" data-testid="pipeline">
        <Stages title="Router layer" stages={endpoint.router} />
        <span class="arrow" aria-hidden="true">→</span>
        <Stages title="Proxy layer" stages={endpoint.proxy} />
        <span class="arrow" aria-hidden="true">→</span>
        <div class="layer">
          <h4>Backends ({endpoint.backends.length})</h4>
        </div>
      </div>
      <ol class="backends">
        {endpoint.backends.map((backend) => (
          <BackendCard key={backend.id} backend={backend} live={live} offline={offline} />
        ))}
      </ol>
      {endpoint.other.length > 0 && <Stages title="Other endpoint settings" stages={endpoint.other} />}
      <h3>Findings ({endpoint.findings.length})</h3>
      <FindingList findings={endpoint.findings} file={model.file} />
    </article>
  );
}

function EndpointList({ endpoints, selected, onSelect, live }: { endpoints: Endpoint[]; selected: string | undefined; onSelect: (id: string) => void; live: Live | undefined }) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5);
  const count = Math.ceil(height / ROW_HEIGHT) + 10;
  const visible = endpoints.slice(first, first + count);
  const move = (event: KeyboardEvent): void => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const index = endpoints.findIndex((endpoint) => endpoint.id === selected);
    const next = endpoints[Math.min(endpoints.length - 1, Math.max(0, index + (event.key === 'ArrowDown' ? 1 : -1)))];
    if (!next) return;
    onSelect(next.id);
    const element = viewport.current;
    const top = endpoints.indexOf(next) * ROW_HEIGHT;
    if (element && (top < element.scrollTop || top + ROW_HEIGHT > element.scrollTop + element.clientHeight)) element.scrollTop = top - element.clientHeight / 2;
  };
  return (
    <div class="list" ref={viewport} onScroll={(event) => setScrollTop((event.currentTarget as HTMLDivElement).scrollTop)} onKeyDown={move} role="listbox" aria-label="Endpoints" tabIndex={-1} data-testid="endpoint-list">
      <div style={{ height: `${endpoints.length * ROW_HEIGHT}px`, position: 'relative' }}>
        {visible.map((endpoint, offset) => {
          const figures = live?.routes[endpoint.route];
          const errors = endpoint.findings.filter((finding) => finding.severity === 'error' || finding.severity === 'CRITICAL' || finding.severity === 'HIGH').length;
          return (
            <button
              key={endpoint.id}
              type="button"
              role="option"
              aria-selected={endpoint.id === selected}
              class={`row${endpoint.id === selected ? ' selected' : ''}`}
              style={{ top: `${(first + offset) * ROW_HEIGHT}px`, height: `${ROW_HEIGHT}px` }}
              onClick={() => onSelect(endpoint.id)}
              data-testid="endpoint-row"
            >
              <span class="method">{endpoint.method}</span>
              <span class="path">{endpoint.path}</span>
              {endpoint.findings.length > 0 && <span class={`count${errors > 0 ? ' serious' : ''}`} title={`${endpoint.findings.length} findings`}>{endpoint.findings.length}</span>}
              {figures && figures.total > 0 && <span class="rate">{rate(figures)}</span>}
            </button>
          );
        })}
      </div>
    </div>
  );
}

function App() {
  const { model, error } = useModel();
  const live = useLive();
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string>();
  const [tab, setTab] = useState<'endpoint' | 'graph' | 'findings'>('endpoint');
  const filtered = useMemo(() => {
    const needle = query.trim().toLowerCase();
    const all = model?.endpoints ?? [];
    return needle === '' ? all : all.filter((endpoint) => `${endpoint.method} ${endpoint.path}`.toLowerCase().includes(needle));
  }, [model, query]);
  if (error) return <p class="error">The console could not read the configuration: {error}</p>;
  if (!model) return <p class="loading">Loading the configuration…</p>;
  const current = model.endpoints.find((endpoint) => endpoint.id === selected) ?? filtered[0];
  const select = (id: string): void => {
    setSelected(id);
    setTab('endpoint');
  };
  const offline = live?.offline === true;
  return (
    <div class="app">
      <header>
        <h1>
          Portico console <span class="name">{model.name}</span>
        </h1>
        <p class="meta" data-testid="summary">
          {model.file} · {model.endpoints.length} endpoints · port {model.port} · {model.valid ? 'valid' : 'has errors'} · {offline ? 'offline (no live traffic)' : live ? 'live' : 'connecting…'}
        </p>
      </header>
      <aside>
        <label class="search">
          <span>Search by path</span>
          <input type="search" value={query} onInput={(event) => setQuery((event.currentTarget as HTMLInputElement).value)} placeholder="/users" data-testid="search" />
        </label>
        <p class="note" data-testid="match-count">
          {filtered.length} of {model.endpoints.length}
        </p>
        <EndpointList endpoints={filtered} selected={current?.id} onSelect={select} live={live} />
      </aside>
      <main>
        <nav role="tablist" aria-label="Views">
          {(['endpoint', 'graph', 'findings'] as const).map((name) => (
            <button key={name} type="button" role="tab" aria-selected={tab === name} class={tab === name ? 'active' : ''} onClick={() => setTab(name)} data-testid={`tab-${name}`}>
              {name === 'endpoint' ? 'Endpoint' : name === 'graph' ? 'Graph' : `All findings (${model.findings.length + model.endpoints.reduce((sum, endpoint) => sum + endpoint.findings.length, 0)})`}
            </button>
          ))}
        </nav>
        {tab === 'endpoint' && (current ? <EndpointDetail endpoint={current} model={model} live={live} /> : <p class="note">No endpoint matches.</p>)}
        {tab === 'graph' && <Graph endpoints={filtered} onSelect={select} />}
        {tab === 'findings' && (
          <section data-testid="all-findings">
            <h2>Service</h2>
            <Stages title="Service-level components" stages={model.service} />
            <h3>Findings not tied to one endpoint ({model.findings.length})</h3>
            <FindingList findings={model.findings} file={model.file} />
          </section>
        )}
      </main>
    </div>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}

/**
 * The endpoint → backend graph as an SVG picture: endpoints on the left, backend hosts on the right, one
 * edge per backend call. Drawn for the endpoints the search leaves, at most `MAX_ENDPOINTS` of them.
 */
import type { Endpoint } from './types.js';

const MAX_ENDPOINTS = 120;
const ROW = 28;
const WIDTH = 900;

export function Graph({ endpoints, onSelect }: { endpoints: Endpoint[]; onSelect: (id: string) => void }) {
  const shown = endpoints.slice(0, MAX_ENDPOINTS);
  const hosts: string[] = [];
  for (const endpoint of shown) for (const backend of endpoint.backends) for (const host of backend.hosts.length > 0 ? backend.hosts : ['(no host)']) if (!hosts.includes(host)) hosts.push(host);
  const height = Math.max(shown.length, hosts.length, 1) * ROW + ROW;
  const hostY = (host: string) => ROW + hosts.indexOf(host) * ROW;
  return (
    <section aria-label="Endpoint to backend graph" data-testid="graph">
      {endpoints.length > MAX_ENDPOINTS && (
        <p class="note">
          Showing the first {MAX_ENDPOINTS} of {endpoints.length} endpoints: search to narrow the graph.
        </p>
      )}
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={`${shown.length} endpoints calling ${hosts.length} backend hosts`}>
        {shown.map((endpoint, index) =>
          endpoint.backends.flatMap((backend) =>
            (backend.hosts.length > 0 ? backend.hosts : ['(no host)']).map((host) => (
              <path key={`${backend.id}-${host}`} class="edge" d={`M 330 ${ROW + index * ROW - 4} C 450 ${ROW + index * ROW - 4}, 450 ${hostY(host) - 4}, 570 ${hostY(host) - 4}`} />
            )),
          ),
        )}
        {shown.map((endpoint, index) => (
          <g key={endpoint.id} class="node endpoint-node" data-testid="graph-endpoint" onClick={() => onSelect(endpoint.id)}>
            <text x="326" y={ROW + index * ROW} text-anchor="end">
              {`${endpoint.method} ${endpoint.path}`.slice(0, 48)}
            </text>
          </g>
        ))}
        {hosts.map((host) => (
          <g key={host} class="node host-node" data-testid="graph-host">
            <text x="576" y={hostY(host)}>
              {host.slice(0, 48)}
            </text>
          </g>
        ))}
      </svg>
    </section>
  );
}

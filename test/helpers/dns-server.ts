/**
 * A tiny authoritative DNS server on 127.0.0.1 (UDP, port 0) for service-discovery tests. It answers SRV
 * questions from a table the test can change at any time; names it does not know get NXDOMAIN, and
 * `failing` makes every answer SERVFAIL. Packets are encoded with dns-packet.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { decode, encode, AUTHORITATIVE_ANSWER } from 'dns-packet';
import type { Answer } from 'dns-packet';

export interface SrvEntry {
  target: string;
  port: number;
  priority: number;
  weight: number;
}

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, for `dns.setServers`. */
  address: string;
  records: Map<string, SrvEntry[]>;
  /** SRV questions received, by name. */
  queries: string[];
  failing: boolean;
  close(): Promise<void>;
}

const NXDOMAIN = 3;
const SERVFAIL = 2;

export async function startDnsServer(): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const state: TestDnsServer = {
    address: '',
    records: new Map(),
    queries: [],
    failing: false,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on('message', (message, peer) => {
    let query;
    try {
      query = decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    if (question.type === 'SRV') state.queries.push(name);
    const entries = question.type === 'SRV' ? state.records.get(name) : undefined;
    const answers: Answer[] = (entries ?? []).map((entry) => ({
      type: 'SRV',
      name: question.name,
      ttl: 1,
      class: 'IN',
      data: { target: entry.target, port: entry.port, priority: entry.priority, weight: entry.weight },
    }));
    const rcode = state.failing ? SERVFAIL : entries === undefined ? NXDOMAIN : 0;
    const reply = encode({
      type: 'response',
      id: query.id ?? 0,
      flags: AUTHORITATIVE_ANSWER | rcode,
      questions: [question],
      answers: state.failing ? [] : answers,
    });
    socket.send(reply, peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  state.address = `127.0.0.1:${(socket.address() as AddressInfo).port}`;
  return state;
}

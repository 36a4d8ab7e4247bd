/**
 * A backend that records what reached it: every TCP connection, and every request with its raw headers,
 * URL and body. Answers `{"ok":true}` unless a handler says otherwise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, startBackend } from './servers.js';
import type { RunningServer } from './servers.js';

export interface RecordedRequest {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
  /** False when the client side went away before the body ended. */
  complete: boolean;
  remotePort: number;
}

export interface RecordingBackend extends RunningServer {
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Header value(s) of the latest request, by lower-case name. */
  lastHeaders(): Record<string, string[]>;
}

export async function startRecordingBackend(answer?: (request: IncomingMessage, response: ServerResponse, recorded: RecordedRequest) => void): Promise<RecordingBackend> {
  const requests: RecordedRequest[] = [];
  const backend = await startBackend((request, response) => {
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      url: request.url ?? '',
      rawHeaders: request.rawHeaders,
      body: '',
      complete: false,
      remotePort: request.socket.remotePort ?? 0,
    };
    requests.push(recorded);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', () => undefined);
    request.on('end', () => {
      recorded.body = Buffer.concat(chunks).toString('utf8');
      recorded.complete = true;
      if (answer) answer(request, response, recorded);
      else sendJson(response, 200, { ok: true });
    });
  });
  const recording = backend as RecordingBackend;
  recording.requests = requests;
  recording.connections = 0;
  backend.server.on('connection', () => recording.connections++);
  recording.lastHeaders = () => {
    const last = requests[requests.length - 1];
    const headers: Record<string, string[]> = {};
    if (!last) return headers;
    for (let i = 0; i < last.rawHeaders.length; i += 2) (headers[(last.rawHeaders[i] as string).toLowerCase()] ??= []).push(last.rawHeaders[i + 1] as string);
    return headers;
  };
  return recording;
}

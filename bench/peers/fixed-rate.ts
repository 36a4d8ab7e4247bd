/**
 * A fixed-rate HTTP/1.1 load on keep-alive connections (`node fixed-rate.js PORT PATH RATE SECONDS
 * [CONNECTIONS]`): requests leave on schedule whatever the answers' speed, so two gateways compared at
 * one rate do the same work per second. wrk sends as fast as answers come back, and a faster gateway
 * then also batches more requests per event-loop turn, which lowers its cost per response by itself.
 * Prints `{"sent":N,"answered":N,"behind":N}`; `behind` counts the turns when every connection was
 * still waiting (the gateway did not keep up with the rate).
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

const [port, path, rate, seconds, connections] = [Number(process.argv[2]), process.argv[3] ?? '/', Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6] ?? 64)];
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: bench\r\n\r\n`, 'latin1');
const free: Socket[] = [];
let sent = 0;
let answered = 0;
let behind = 0;

function open(): void {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let pending = '';
  socket.on('data', (data: Buffer) => {
    pending += data.toString('latin1');
    // Answers are Content-Length framed (the bench's backends and gateways).
    for (;;) {
      const headEnd = pending.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const length = Number(/content-length: *(\d+)/i.exec(pending.slice(0, headEnd))?.[1] ?? 0);
      if (pending.length < headEnd + 4 + length) return;
      pending = pending.slice(headEnd + 4 + length);
      answered++;
      free.push(socket);
    }
  });
  socket.on('error', () => undefined);
  free.push(socket);
}

for (let i = 0; i < connections; i++) open();
const start = performance.now() + 200;
const end = start + seconds * 1000;
function send(): void {
  const now = performance.now();
  if (now >= end) {
    process.stdout.write(`${JSON.stringify({ sent, answered, behind })}\n`);
    process.exit(0);
  }
  const due = now < start ? 0 : Math.floor(((now - start) / 1000) * rate);
  while (sent < due) {
    const socket = free.pop();
    if (socket === undefined) {
      behind++;
      break;
    }
    socket.write(request);
    sent++;
  }
  setImmediate(send);
}
send();

/** An OTLP/HTTP sink for the bench: reads each export and answers 200 (`node otlp-sink.js PORT`). */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '2' });
    response.end('{}');
  });
}).listen(port, '127.0.0.1');

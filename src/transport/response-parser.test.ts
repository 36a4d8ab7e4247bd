import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseParser } from './response-parser.js';
import type { ParserSink } from './response-parser.js';

/** Records what the parser reports. */
class RecordingSink implements ParserSink {
  heads: { statusCode: number; statusText: string; rawHeaders: string[] }[] = [];
  body: Buffer[] = [];
  completed = 0;
  onHead(statusCode: number, statusText: string, rawHeaders: string[]): void {
    this.heads.push({ statusCode, statusText, rawHeaders });
  }
  onBody(chunk: Buffer): void {
    this.body.push(Buffer.from(chunk));
  }
  onComplete(): void {
    this.completed++;
  }
  get text(): string {
    return Buffer.concat(this.body).toString('latin1');
  }
}

function parse(input: string | Buffer, options: { isHead?: boolean; split?: number[] } = {}): { parser: ResponseParser; sink: RecordingSink } {
  const parser = new ResponseParser();
  const sink = new RecordingSink();
  parser.reset(sink, options.isHead === true);
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1');
  let start = 0;
  for (const end of [...(options.split ?? []), bytes.length]) {
    if (end > start) parser.execute(bytes.subarray(start, end));
    start = end;
  }
  return { parser, sink };
}

/** Feeds `input` split at every possible pair of positions (three pieces) and checks each result. */
function everySplit(input: string, check: (sink: RecordingSink, parser: ResponseParser) => void): void {
  for (let i = 1; i < input.length; i++) {
    for (let j = i; j < input.length; j += 3) {
      const { parser, sink } = parse(input, { split: [i, j] });
      check(sink, parser);
    }
  }
}

function protocolError(code: string): (error: unknown) => boolean {
  return (error) => (error as { code?: string }).code === code;
}

describe('ResponseParser', () => {
  it('reads a Content-Length response in one piece', () => {
    const { sink, parser } = parse('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
    assert.equal(sink.heads.length, 1);
    assert.deepEqual(sink.heads[0], { statusCode: 200, statusText: 'OK', rawHeaders: ['Content-Type', 'text/plain', 'Content-Length', '5'] });
    assert.equal(sink.text, 'hello');
    assert.equal(sink.completed, 1);
    assert.ok(parser.isDone);
    assert.equal(parser.keepAlive, true);
  });

  it('reads a Content-Length response split anywhere', () => {
    const input = 'HTTP/1.1 201 Created\r\nContent-Length: 11\r\nX-A: b\r\n\r\nhello world';
    everySplit(input, (sink) => {
      assert.equal(sink.heads[0]?.statusCode, 201);
      assert.equal(sink.text, 'hello world');
      assert.equal(sink.completed, 1);
    });
  });

  it('reads a chunked response split at every boundary, with extensions', () => {
    const input = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n';
    everySplit(input, (sink, parser) => {
      assert.equal(sink.text, 'hello 0123456789');
      assert.equal(sink.completed, 1);
      assert.ok(parser.isDone);
      assert.equal(parser.keepAlive, true);
    });
  });

  it('reads and drops trailers, split at every boundary', () => {
    const input = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other: 4\r\n\r\n';
    everySplit(input, (sink, parser) => {
      assert.equal(sink.text, 'abc');
      assert.equal(sink.completed, 1);
      assert.ok(parser.isDone);
      const names = (sink.heads[0]?.rawHeaders ?? []).filter((_, index) => index % 2 === 0);
      assert.deepEqual(names, ['Transfer-Encoding', 'Trailer'], 'trailers are not headers');
    });
  });

  it('refuses an invalid chunk size', () => {
    for (const size of ['zz', '-1', '', '1 2', '0x5', 'fffffffffffff']) {
      assert.throws(() => parse(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nhello\r\n0\r\n\r\n`), protocolError('PRT_ERR_BACKEND_PROTOCOL'), size);
    }
  });

  it('refuses chunk data longer than its size', () => {
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n'), protocolError('PRT_ERR_BACKEND_PROTOCOL'));
  });

  it('refuses conflicting Content-Length values, accepts repeated equal ones', () => {
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'), protocolError('PRT_ERR_BACKEND_PROTOCOL'));
    const { sink } = parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc');
    assert.equal(sink.text, 'abc');
  });

  it('refuses a malformed Content-Length', () => {
    for (const value of ['abc', '-1', '1.5', '3, 3', '']) {
      assert.throws(() => parse(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\nabc`), protocolError('PRT_ERR_BACKEND_PROTOCOL'), value);
    }
  });

  it('lets chunked override Content-Length, and never reuses such a connection', () => {
    const { sink, parser } = parse('HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    assert.equal(sink.text, 'abc');
    assert.equal(sink.completed, 1);
    assert.equal(parser.keepAlive, false);
  });

  it('reads a close-delimited body until the connection ends', () => {
    const { sink, parser } = parse('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ', { split: [40] });
    parser.execute(Buffer.from('part two'));
    assert.equal(sink.completed, 0);
    assert.ok(parser.isCloseDelimited);
    parser.end();
    assert.equal(sink.text, 'part one, part two');
    assert.equal(sink.completed, 1);
    assert.equal(parser.keepAlive, false);
  });

  it('treats a Transfer-Encoding that is not chunked as close-delimited', () => {
    const { sink, parser } = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw');
    parser.end();
    assert.equal(sink.text, 'raw');
    assert.equal(parser.keepAlive, false);
  });

  it('skips 1xx interim responses', () => {
    const input = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    everySplit(input, (sink) => {
      assert.deepEqual(
        sink.heads.map((head) => head.statusCode),
        [200],
      );
      assert.equal(sink.text, 'ok');
      assert.equal(sink.completed, 1);
    });
  });

  it('reads no body for a HEAD request, whatever Content-Length says', () => {
    const { sink, parser } = parse('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', { isHead: true });
    assert.equal(sink.heads[0]?.statusCode, 200);
    assert.equal(sink.text, '');
    assert.equal(sink.completed, 1);
    assert.ok(parser.isDone);
    assert.equal(parser.keepAlive, true);
  });

  it('reads no body for 204 and 304', () => {
    for (const status of ['204 No Content', '304 Not Modified']) {
      const { sink, parser } = parse(`HTTP/1.1 ${status}\r\nContent-Length: 10\r\n\r\n`);
      assert.equal(sink.completed, 1, status);
      assert.ok(parser.isDone);
    }
  });

  it('reports bytes after a complete response', () => {
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'), protocolError('PRT_ERR_BACKEND_PROTOCOL'));
  });

  it('reports a connection closed before the response ended', () => {
    const { parser } = parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    assert.throws(() => parser.end(), protocolError('PRT_ERR_BACKEND_TRUNCATED'));
    const chunked = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab');
    assert.throws(() => chunked.parser.end(), protocolError('PRT_ERR_BACKEND_TRUNCATED'));
  });

  it('reports a connection closed before any byte of the response', () => {
    const parser = new ResponseParser();
    parser.reset(new RecordingSink(), false);
    assert.throws(() => parser.end(), protocolError('PRT_ERR_BACKEND_CLOSED'));
  });

  it('follows Connection: close and HTTP/1.0 keep-alive rules', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').parser.keepAlive, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').parser.keepAlive, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').parser.keepAlive, true);
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').parser.keepAlive, true);
  });

  it('strips only spaces and tabs around a header value, and reads framing headers in any case', () => {
    const { sink, parser } = parse('HTTP/1.1 200 OK\r\nX-Padded: \t a  b \t\r\nX-Empty:   \r\nX-Nbsp: \xa0v\xa0\r\ncontent-length: 2\r\nCONNECTION: close\r\n\r\nok');
    assert.deepEqual(sink.heads[0]?.rawHeaders, ['X-Padded', 'a  b', 'X-Empty', '', 'X-Nbsp', '\xa0v\xa0', 'content-length', '2', 'CONNECTION', 'close']);
    assert.equal(sink.text, 'ok');
    assert.equal(parser.keepAlive, false);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nX-Bad: \x0bv\r\n\r\n'), protocolError('PRT_ERR_BACKEND_PROTOCOL'), 'a vertical tab is a control character, not whitespace');
  });

  it('refuses control bytes and a bare CR or LF in a field, accepts a tab and obs-text', () => {
    for (const bad of ['a\x01b', 'a\x7fb', 'a\nb', 'a\rb', 'a\x0bb', 'ab\r']) {
      assert.throws(() => parse(`HTTP/1.1 200 OK\r\nX-Bad: ${bad}\r\nContent-Length: 0\r\n\r\n`), protocolError('PRT_ERR_BACKEND_PROTOCOL'), JSON.stringify(bad));
    }
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nX-Ok: 1\r\n folded\r\n\r\n'), protocolError('PRT_ERR_BACKEND_PROTOCOL'), 'obs-fold');
    const { sink } = parse('HTTP/1.1 200 OK\r\nX-Tab: a\tb\r\nX-Latin: caf\xe9\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(sink.heads[0]?.rawHeaders, ['X-Tab', 'a\tb', 'X-Latin', 'caf\xe9', 'Content-Length', '0']);
  });

  it('reads a Transfer-Encoding list with only spaces and tabs as padding', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\t chunked \r\n\r\n3\r\nabc\r\n0\r\n\r\n').sink.text, 'abc');
    // Not "chunked" with an NBSP after it: the body runs to the close, as for any other last coding.
    const { parser } = parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\xa0\r\n\r\n3\r\nabc');
    assert.equal(parser.isCloseDelimited, true);
  });

  it('refuses malformed status lines and header lines', () => {
    for (const input of ['HTTP/2 200 OK\r\n\r\n', 'FOO/1.1 200 OK\r\n\r\n', 'HTTP/1.1 2x0 OK\r\n\r\n', 'HTTP/1.1 200 OK\r\nNoColonHere\r\n\r\n', 'HTTP/1.1 200 OK\r\n: empty\r\n\r\n']) {
      assert.throws(() => parse(input), protocolError('PRT_ERR_BACKEND_PROTOCOL'), JSON.stringify(input));
    }
  });

  it('refuses a response head larger than the limit, arriving in pieces', () => {
    const parser = new ResponseParser();
    parser.reset(new RecordingSink(), false);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\n'));
    assert.throws(() => {
      for (let i = 0; i < 100; i++) parser.execute(Buffer.from(`X-Filler-${i}: ${'a'.repeat(4096)}\r\n`));
    }, protocolError('PRT_ERR_BACKEND_HEADERS_TOO_LARGE'));
  });

  it('refuses a head over the limit that arrives whole, with its end', () => {
    const parser = new ResponseParser({ maxBytes: 1024, maxFields: 500 });
    parser.reset(new RecordingSink(), false);
    assert.throws(() => parser.execute(Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(2000)}\r\nContent-Length: 0\r\n\r\n`)), protocolError('PRT_ERR_BACKEND_HEADERS_TOO_LARGE'));
  });

  it('accepts a head at the limit, even one byte at a time', () => {
    const head = `HTTP/1.1 200 OK\r\nX-Fill: ${'a'.repeat(200)}\r\nContent-Length: 0\r\n\r\n`;
    const parser = new ResponseParser({ maxBytes: Buffer.byteLength(head), maxFields: 2 });
    const sink = new RecordingSink();
    parser.reset(sink, false);
    for (const byte of Buffer.from(head)) parser.execute(Buffer.from([byte]));
    assert.equal(parser.isDone, true);
  });

  it('refuses more header fields than the limit, however small', () => {
    const parser = new ResponseParser({ maxBytes: 1 << 20, maxFields: 500 });
    parser.reset(new RecordingSink(), false);
    const fields = Array.from({ length: 501 }, (_, i) => `X-${i}: 1\r\n`).join('');
    assert.throws(() => parser.execute(Buffer.from(`HTTP/1.1 200 OK\r\n${fields}Content-Length: 0\r\n\r\n`)), protocolError('PRT_ERR_BACKEND_HEADERS_TOO_LARGE'));
  });

  it('counts interim 1xx heads toward the byte limit, as Go does', () => {
    const parser = new ResponseParser({ maxBytes: 1000, maxFields: 500 });
    parser.reset(new RecordingSink(), false);
    assert.throws(() => {
      for (let i = 0; i < 100; i++) parser.execute(Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'));
    }, protocolError('PRT_ERR_BACKEND_HEADERS_TOO_LARGE'));
  });

  it('can be reset for the next response on the same connection', () => {
    const parser = new ResponseParser();
    const first = new RecordingSink();
    parser.reset(first, false);
    parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'));
    const second = new RecordingSink();
    parser.reset(second, false);
    parser.execute(Buffer.from('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n'));
    assert.equal(first.text, 'a');
    assert.equal(second.text, 'b');
    assert.equal(second.heads[0]?.statusCode, 404);
    assert.equal(second.completed, 1);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { sendJson, startBackend, startGateway } from '../helpers/servers.js';
import type { RunningServer, TestGateway } from '../helpers/servers.js';

const USER_XML = `<?xml version="1.0" encoding="UTF-8"?>
<user type="admin">
  <name>Elliot</name>
  <social>
    <facebook>https://facebook.com</facebook>
    <twitter>https://twitter.com</twitter>
    <youtube>https://youtube.com</youtube>
  </social>
</user>`;

const CATALOG_XML = `<?xml version="1.0"?>
<!-- a comment the decoder skips -->
<catalog xmlns:p="urn:prices">
  <item id="1"><name>Tea &amp; biscuits</name><p:price currency="EUR">4.50</p:price><tag>a</tag><tag>b</tag></item>
  <item id="2"><name><![CDATA[Coffee <strong>]]></name><p:price currency="USD">3</p:price><empty/></item>
</catalog>`;

const RSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>showRSS schedule feed</title>
    <link>https://example.com/</link>
    <description>Upcoming shows</description>
    <language>en</language>
    <managingEditor>editor@example.com (The Editor)</managingEditor>
    <image><url>https://example.com/logo.png</url><title>logo</title></image>
    <item>
      <title>Episode 1</title>
      <link>https://example.com/e1</link>
      <description>First</description>
      <content:encoded><![CDATA[<p>Full text</p>]]></content:encoded>
      <pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate>
      <guid>e1</guid>
      <category>drama</category>
      <dc:creator>Jane</dc:creator>
      <enclosure url="https://example.com/e1.mp3" length="123" type="audio/mpeg"/>
    </item>
    <item><title>Episode 2</title><guid>e2</guid></item>
  </channel>
</rss>`;

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>showRSS personal feed</title>
  <subtitle>Mine</subtitle>
  <updated>2024-05-01T10:00:00Z</updated>
  <author><name>Ann</name><email>ann@example.com</email></author>
  <entry>
    <title>Entry</title>
    <id>urn:e:1</id>
    <link rel="alternate" href="https://example.com/entry"/>
    <updated>2024-05-01T09:00:00+02:00</updated>
    <summary>Short</summary>
    <category term="news"/>
  </entry>
</feed>`;

function sendText(response: ServerResponse, contentType: string, text: string): void {
  response.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}

describe('encodings', () => {
  let backend: RunningServer;
  let gateway: TestGateway;

  before(async () => {
    backend = await startBackend((request, response) => {
      switch (request.url) {
        case '/xml':
          return sendText(response, 'application/xml; charset=utf-8', USER_XML);
        case '/catalog':
          return sendText(response, 'application/xml', CATALOG_XML);
        case '/broken':
          return sendText(response, 'application/xml', '<user><name>Elliot</user>');
        case '/entities':
          return sendText(response, 'application/xml', '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>');
        case '/rss':
          return sendText(response, 'application/rss+xml', RSS);
        case '/atom':
          return sendText(response, 'application/atom+xml', ATOM);
        case '/echo':
          return sendJson(response, 200, { foo: 42, headers: { 'Accept-Encoding': ['gzip'], 'User-Agent': ['x'] }, path: '/param_forwarding/', query: {} });
        case '/awkward':
          return sendJson(response, 200, { 'a key': 'x < y & "z"', yes: 'yes', list: [1, { b: true }], nothing: null, big: 1.5, empty: '' });
        default:
          return sendJson(response, 404, {});
      }
    });
    const xmlBackend = (path: string, extra: Record<string, unknown> = {}) => ({ host: [backend.url], url_pattern: path, encoding: 'xml', ...extra });
    gateway = await startGateway({
      version: 3,
      cache_ttl: '1h',
      endpoints: [
        { endpoint: '/xml/xml', output_encoding: 'xml', backend: [xmlBackend('/xml')] },
        { endpoint: '/xml/json', output_encoding: 'xml', backend: [{ host: [backend.url], url_pattern: '/echo' }] },
        { endpoint: '/xml/to-json', backend: [xmlBackend('/xml')] },
        { endpoint: '/catalog', backend: [xmlBackend('/catalog')] },
        { endpoint: '/catalog/xml', output_encoding: 'xml', backend: [xmlBackend('/catalog')] },
        { endpoint: '/catalog/collection', backend: [xmlBackend('/catalog', { is_collection: true })] },
        { endpoint: '/broken', backend: [xmlBackend('/broken')] },
        { endpoint: '/entities', backend: [xmlBackend('/entities')] },
        { endpoint: '/awkward/xml', output_encoding: 'xml', backend: [{ host: [backend.url], url_pattern: '/awkward' }] },
        { endpoint: '/awkward/yaml', output_encoding: 'yaml', backend: [{ host: [backend.url], url_pattern: '/awkward' }] },
        { endpoint: '/negotiate', output_encoding: 'negotiate', backend: [xmlBackend('/xml')] },
        {
          endpoint: '/show/{id}',
          backend: [
            { host: [backend.url], url_pattern: '/rss', encoding: 'rss', group: 'schedule', allow: ['title'] },
            { host: [backend.url], url_pattern: '/atom', encoding: 'rss', group: 'available', allow: ['title'] },
          ],
        },
        { endpoint: '/feed/rss', backend: [{ host: [backend.url], url_pattern: '/rss', encoding: 'rss' }] },
        { endpoint: '/feed/atom', backend: [{ host: [backend.url], url_pattern: '/atom', encoding: 'rss' }] },
      ],
    });
  });

  after(async () => {
    await gateway?.close();
    await backend?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${gateway.url}${path}`, { headers });

  it('decodes XML with attributes prefixed "-" and renders it back as XML (KrakenD spec xml_1)', async () => {
    const response = await get('/xml/xml');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/xml');
    assert.equal(response.headers.get('x-krakend-completed'), 'true');
    assert.equal(
      await response.text(),
      '<user type="admin"><name>Elliot</name><social><facebook>https://facebook.com</facebook><twitter>https://twitter.com</twitter><youtube>https://youtube.com</youtube></social></user>',
    );
  });

  it('renders a JSON answer as XML under <doc>, keys sorted, lists repeated, empty objects closed (KrakenD spec xml_2)', async () => {
    const response = await get('/xml/json');
    assert.equal(
      await response.text(),
      '<doc><foo>42</foo><headers><Accept-Encoding>gzip</Accept-Encoding><User-Agent>x</User-Agent></headers><path>/param_forwarding/</path><query/></doc>',
    );
  });

  it('maps XML to JSON as mxj does (KrakenD spec negotitate_json)', async () => {
    const response = await get('/xml/to-json');
    assert.equal(
      await response.text(),
      '{"user":{"-type":"admin","name":"Elliot","social":{"facebook":"https://facebook.com","twitter":"https://twitter.com","youtube":"https://youtube.com"}}}',
    );
  });

  it('keeps text next to attributes under #text, turns repeats into lists, drops namespace prefixes and keeps values as text', async () => {
    const body = (await (await get('/catalog')).json()) as Record<string, unknown>;
    assert.deepEqual(body, {
      catalog: {
        '-p': 'urn:prices',
        item: [
          { '-id': '1', name: 'Tea & biscuits', price: { '#text': '4.50', '-currency': 'EUR' }, tag: ['a', 'b'] },
          { '-id': '2', name: 'Coffee <strong>', price: { '#text': '3', '-currency': 'USD' }, empty: '' },
        ],
      },
    });
    const collection = (await (await get('/catalog/collection')).json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(collection), ['collection']);
  });

  it('round-trips attributes and #text, escaping text', async () => {
    const text = await (await get('/catalog/xml')).text();
    assert.equal(
      text,
      '<catalog p="urn:prices"><item id="1"><name>Tea &amp; biscuits</name><price currency="EUR">4.50</price><tag>a</tag><tag>b</tag></item>' +
        '<item id="2"><empty/><name>Coffee &lt;strong&gt;</name><price currency="USD">3</price></item></catalog>',
    );
  });

  it('answers 500 for malformed XML and for documents declaring entities', async () => {
    assert.equal((await get('/broken')).status, 500);
    assert.equal((await get('/entities')).status, 500);
  });

  it('writes well-formed XML whatever the keys and values', async () => {
    const text = await (await get('/awkward/xml')).text();
    assert.equal(text, '<doc><a_key>x &lt; y &amp; &quot;z&quot;</a_key><big>1.5</big><empty/><list>1</list><list><b>true</b></list><nothing/><yes>yes</yes></doc>');
  });

  it('renders YAML with sorted keys and YAML 1.1 quoting', async () => {
    const response = await get('/awkward/yaml');
    assert.equal(response.headers.get('content-type'), 'application/yaml; charset=utf-8');
    assert.equal(await response.text(), 'a key: x < y & "z"\nbig: "1.5"\nempty: ""\nlist:\n- "1"\n- b: true\nnothing: null\n"yes": "yes"\n');
  });

  describe('negotiate', () => {
    it('gives YAML for text/plain (KrakenD spec negotitate_plain)', async () => {
      const response = await get('/negotiate', { accept: 'text/plain' });
      assert.equal(response.headers.get('content-type'), 'application/yaml; charset=utf-8');
      assert.equal(response.headers.get('cache-control'), 'public, max-age=3600');
      assert.equal(
        await response.text(),
        'user:\n  -type: admin\n  name: Elliot\n  social:\n    facebook: https://facebook.com\n    twitter: https://twitter.com\n    youtube: https://youtube.com\n',
      );
    });

    it('gives JSON for application/json, */*, unknown types and no Accept', async () => {
      for (const accept of ['application/json; charset=utf-8', '*/*', 'text/html', '']) {
        const response = await get('/negotiate', accept === '' ? {} : { accept });
        assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8', accept);
        assert.deepEqual(Object.keys((await response.json()) as object), ['user']);
      }
    });

    it('gives XML for application/xml, taking the first match in header order as gin does', async () => {
      const response = await get('/negotiate', { accept: 'application/xml;q=0.1, text/plain' });
      assert.equal(response.headers.get('content-type'), 'application/xml; charset=utf-8');
      assert.match(await response.text(), /^<user type="admin"><name>Elliot<\/name>/);
      const wildcard = await get('/negotiate', { accept: 'text/html, text/*' });
      assert.equal(wildcard.headers.get('content-type'), 'application/yaml; charset=utf-8');
    });
  });

  describe('rss', () => {
    it('decodes RSS and Atom feeds so allow and group work on them (KrakenD spec rss)', async () => {
      const response = await get('/show/1482');
      assert.equal(response.headers.get('x-krakend-completed'), 'true');
      assert.equal(await response.text(), '{"available":{"title":"showRSS personal feed"},"schedule":{"title":"showRSS schedule feed"}}');
    });

    it("gives gofeed's fields for an RSS 2.0 feed", async () => {
      const feed = (await (await get('/feed/rss')).json()) as Record<string, unknown>;
      assert.equal(feed['title'], 'showRSS schedule feed');
      assert.equal(feed['description'], 'Upcoming shows');
      assert.equal(feed['type'], 'rss');
      assert.equal(feed['language'], 'en');
      assert.equal(feed['img_url'], 'https://example.com/logo.png');
      assert.deepEqual(feed['author'], { name: 'The Editor', email: 'editor@example.com' });
      const items = feed['items'] as Record<string, unknown>[];
      assert.equal(items.length, 2);
      assert.deepEqual(items[0], {
        title: 'Episode 1',
        description: 'First',
        content: '<p>Full text</p>',
        link: 'https://example.com/e1',
        links: ['https://example.com/e1'],
        published: 'Mon, 02 Jan 2006 15:04:05 GMT',
        publishedParsed: '2006-01-02T15:04:05Z',
        author: { name: 'Jane' },
        authors: [{ name: 'Jane' }],
        guid: 'e1',
        categories: ['drama'],
        enclosures: [{ url: 'https://example.com/e1.mp3', length: '123', type: 'audio/mpeg' }],
      });
      assert.deepEqual(items[1], { title: 'Episode 2', guid: 'e2' });
    });

    it('gives the same fields for an Atom feed', async () => {
      const feed = (await (await get('/feed/atom')).json()) as Record<string, unknown>;
      assert.equal(feed['type'], 'atom');
      assert.equal(feed['description'], 'Mine');
      assert.equal(feed['language'], 'en');
      assert.deepEqual(feed['author'], { name: 'Ann', email: 'ann@example.com' });
      const [entry] = feed['items'] as Record<string, unknown>[];
      assert.equal(entry?.['link'], 'https://example.com/entry');
      assert.equal(entry?.['guid'], 'urn:e:1');
      assert.equal(entry?.['updatedParsed'], '2024-05-01T07:00:00Z');
      assert.deepEqual(entry?.['categories'], ['news']);
    });
  });
});

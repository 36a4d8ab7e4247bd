/**
 * Backend `encoding: "rss"` (lura's RSS decoder over gofeed): RSS 0.9x/1.0/2.0 and Atom feeds become
 * one map with gofeed's universal feed fields:
 * `title`, `description`, `type` (`rss` | `atom`), `language`, `copyright`, `published`, `updated`,
 * `author` (`{name, email}` or null), `categories`, `custom`, `img_url` (when the feed has an image) and
 * `items`, each with `title`, `description`, `content`, `link`, `links`, `published`,
 * `publishedParsed`, `updated`, `updatedParsed`, `author`, `guid`, `image`, `categories` and
 * `enclosures` when present.
 *
 * ```json
 * { "url_pattern": "/feed.rss", "encoding": "rss", "allow": ["title", "items"] }
 * ```
 */
import type * as FastXmlParser from 'fast-xml-parser';
import { lazyRequire } from '../util/lazy-require.js';
import { GatewayError } from '../core/errors.js';
import { compileGoCaptures } from '../util/go-regexp.js';
import type { Decoded, DecoderFactory } from './decode.js';

type Node = Record<string, unknown>;

const LISTS = new Set(['item', 'entry', 'category', 'link', 'enclosure', 'author', 'dc:creator', 'atom:link']);

const fastXml = lazyRequire<typeof FastXmlParser>('fast-xml-parser');
const parserOptions: FastXmlParser.X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  htmlEntities: true,
  isArray: (name: string) => LISTS.has(name),
};
let parserInstance: FastXmlParser.XMLParser | undefined;
const parser = (): FastXmlParser.XMLParser => (parserInstance ??= new (fastXml().XMLParser)(parserOptions));

function invalid(error: unknown): GatewayError {
  return new GatewayError('PRT_ERR_BACKEND_DECODE', `the backend response is not a valid feed: ${(error as Error).message}`, { cause: error });
}

function asNode(value: unknown): Node | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Text content of an element, whether it came as a string or as `{#text, @attr}`. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = asNode(value);
  if (node && typeof node['#text'] === 'string') return node['#text'];
  if (Array.isArray(value)) return text(value[0]);
  return '';
}

/** RFC 3339 in UTC, as gofeed's parsed dates serialise; empty when the date cannot be read. */
function parsedDate(value: string): string {
  if (value === '') return '';
  const time = Date.parse(value);
  return Number.isNaN(time) ? '' : new Date(time).toISOString().replace(/\.000Z$/, 'Z');
}

// On RE2: these meet backend text, where a backtracking engine takes quadratic time (1.7 s for 20 000 `@`).
// Compiled on first use, so a gateway without RSS backends never loads re2js.
let personPatterns: { emailThenName: ReturnType<typeof compileGoCaptures>; nameThenEmail: ReturnType<typeof compileGoCaptures> } | undefined;
const personPatternsOnce = () =>
  (personPatterns ??= {
    emailThenName: compileGoCaptures('\\s*([^\\s()]+@[^\\s()]+)\\s*\\(([^)]*)\\)\\s*'),
    nameThenEmail: compileGoCaptures('\\s*([^<]*)<([^>]+)>\\s*'),
  });
const MAX_PERSON_LENGTH = 1024;

/** `"joe@example.com (Joe)"` or `"Joe <joe@example.com>"` → `{name, email}`, as gofeed parses RSS people. */
function person(raw: string): Node | null {
  if (raw === '') return null;
  // Longer is no person's name and address; RE2 is linear but not free (about 1.4 µs a character).
  const { emailThenName, nameThenEmail } = personPatternsOnce();
  const paren = raw.length > MAX_PERSON_LENGTH ? null : emailThenName(raw);
  if (paren) return { name: (paren[2] as string).trim(), email: paren[1] };
  const angle = raw.length > MAX_PERSON_LENGTH ? null : nameThenEmail(raw);
  if (angle) return compact({ name: (angle[1] as string).trim(), email: (angle[2] as string).trim() });
  return raw.includes('@') && !raw.includes(' ') ? { email: raw.trim() } : { name: raw.trim() };
}

/** Drops empty fields, as gofeed's `omitempty` tags do. */
function compact(node: Node): Node {
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (value === '' || value === null || value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}

function rssItem(raw: unknown): Node {
  const item = asNode(raw) ?? {};
  const published = text(item['pubDate']) || text(item['dc:date']);
  const link = text(item['link']);
  const authorText = text(item['author']) || text(item['dc:creator']);
  const enclosures = list(item['enclosure']).map((entry) => {
    const node = asNode(entry) ?? {};
    return compact({ url: text(node['@url']), length: text(node['@length']), type: text(node['@type']) });
  });
  const guid = text(item['guid']);
  return compact({
    title: text(item['title']),
    description: text(item['description']),
    content: text(item['content:encoded']),
    link,
    links: link === '' ? [] : [link],
    published,
    publishedParsed: parsedDate(published),
    author: person(authorText),
    authors: authorText === '' ? [] : [person(authorText)],
    guid,
    categories: list(item['category']).map(text).filter((value) => value !== ''),
    enclosures: enclosures.filter((entry) => Object.keys(entry).length > 0),
  });
}

function atomLinks(value: unknown): { alternate: string; all: string[] } {
  const links = list(value).map((entry) => asNode(entry) ?? {});
  const all = links.map((link) => text(link['@href'])).filter((href) => href !== '');
  const alternate = links.find((link) => text(link['@rel']) === '' || text(link['@rel']) === 'alternate');
  return { alternate: alternate ? text(alternate['@href']) : (all[0] ?? ''), all };
}

function atomPerson(value: unknown): Node | null {
  const node = asNode(list(value)[0]);
  if (!node) return null;
  const found = compact({ name: text(node['name']), email: text(node['email']) });
  return Object.keys(found).length > 0 ? found : null;
}

function atomEntry(raw: unknown): Node {
  const entry = asNode(raw) ?? {};
  const links = atomLinks(entry['link']);
  const published = text(entry['published']);
  const updated = text(entry['updated']);
  const author = atomPerson(entry['author']);
  return compact({
    title: text(entry['title']),
    description: text(entry['summary']),
    content: text(entry['content']),
    link: links.alternate,
    links: links.all,
    published,
    publishedParsed: parsedDate(published),
    updated,
    updatedParsed: parsedDate(updated),
    author,
    authors: author ? [author] : [],
    guid: text(entry['id']),
    categories: list(entry['category']).map((category) => text(asNode(category)?.['@term'])).filter((term) => term !== ''),
  });
}

function feedMap(fields: {
  items: Node[];
  author: Node | null;
  categories: string[];
  copyright: string;
  description: string;
  type: string;
  language: string;
  title: string;
  published: string;
  updated: string;
  image: string;
}): Decoded {
  const decoded: Decoded = {
    items: fields.items,
    author: fields.author,
    categories: fields.categories.length > 0 ? fields.categories : null,
    custom: null,
    copyright: fields.copyright,
    description: fields.description,
    type: fields.type,
    language: fields.language,
    title: fields.title,
    published: fields.published,
    updated: fields.updated,
  };
  if (fields.image !== '') decoded['img_url'] = fields.image;
  return decoded;
}

/** Parses an RSS or Atom document into the map KrakenD's rss encoding gives. */
export function parseFeed(body: Buffer | string): Decoded {
  let source = typeof body === 'string' ? body : body.toString('utf8');
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  if (/<!ENTITY/i.test(source)) throw invalid(new Error('entity declarations are not supported'));
  const verdict = fastXml().XMLValidator.validate(source);
  if (verdict !== true) throw invalid(new Error(`${verdict.err.msg} (line ${verdict.err.line})`));
  let document: Node;
  try {
    document = parser().parse(source) as Node;
  } catch (error) {
    throw invalid(error);
  }
  const rss = asNode(document['rss']);
  const rdf = asNode(document['rdf:RDF']);
  if (rss || rdf) {
    const channel = asNode((rss ?? rdf)?.['channel']) ?? {};
    const items = list(rss ? channel['item'] : rdf?.['item']);
    return feedMap({
      items: items.map(rssItem),
      author: person(text(channel['managingEditor']) || text(channel['webMaster']) || text(channel['dc:creator'])),
      categories: list(channel['category']).map(text).filter((value) => value !== ''),
      copyright: text(channel['copyright']) || text(channel['dc:rights']),
      description: text(channel['description']),
      type: 'rss',
      language: text(channel['language']) || text(channel['dc:language']),
      title: text(channel['title']),
      published: text(channel['pubDate']),
      updated: text(channel['lastBuildDate']) || text(channel['dc:date']),
      image: text(asNode(channel['image'] ?? rdf?.['image'])?.['url']),
    });
  }
  const feed = asNode(document['feed']);
  if (feed) {
    return feedMap({
      items: list(feed['entry']).map(atomEntry),
      author: atomPerson(feed['author']),
      categories: list(feed['category']).map((category) => text(asNode(category)?.['@term'])).filter((term) => term !== ''),
      copyright: text(feed['rights']),
      description: text(feed['subtitle']),
      type: 'atom',
      language: text(feed['@xml:lang']),
      title: text(feed['title']),
      published: '',
      updated: text(feed['updated']),
      image: text(feed['logo']),
    });
  }
  throw invalid(new Error('expected an <rss>, <rdf:RDF> or <feed> document'));
}

export const decodeRssBody: DecoderFactory = () =>
  function decodeRss(body) {
    return parseFeed(body);
  };

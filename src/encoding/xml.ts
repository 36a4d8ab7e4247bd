/**
 * Backend `encoding: "xml"` (krakend-xml, built on clbanning/mxj): the document becomes a map keyed by
 * its root element; attributes become keys prefixed with `-`; an element holding text and attributes
 * keeps the text under `#text`; repeated elements become lists; every value stays text; namespace
 * prefixes are dropped. With `is_collection` the map goes under `collection`.
 *
 * `<user type="admin"><name>Elliot</name></user>` → `{"user": {"-type": "admin", "name": "Elliot"}}`
 *
 * Parsed with fast-xml-parser (well kept, no native code). Documents declaring their own entities are
 * refused, as Go's decoder cannot use them either, which also rules out entity-expansion attacks.
 */
import type * as FastXmlParser from 'fast-xml-parser';
import { lazyRequire } from '../util/lazy-require.js';
import { GatewayError } from '../core/errors.js';
import type { Decoded, DecoderFactory } from './decode.js';

export const ATTRIBUTE_PREFIX = '-';
export const TEXT_KEY = '#text';

const fastXml = lazyRequire<typeof FastXmlParser>('fast-xml-parser');
const parserOptions: FastXmlParser.X2jOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  textNodeName: TEXT_KEY,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Local names, as Go's decoder gives mxj: `p:price` → `price`, `xmlns:p` → `-p`, `xmlns` → `-xmlns`.
  transformTagName: localName,
  // fast-xml-parser hands attribute names over with the prefix already on.
  transformAttributeName: (name: string) => ATTRIBUTE_PREFIX + localName(name.slice(ATTRIBUTE_PREFIX.length)),
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Numeric character references (`&#65;`) are decoded as Go does.
  htmlEntities: true,
};
let parserInstance: FastXmlParser.XMLParser | undefined;
const parser = (): FastXmlParser.XMLParser => (parserInstance ??= new (fastXml().XMLParser)(parserOptions));

const ENTITY_DECLARATION = /<!ENTITY/i;

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function invalid(error: unknown): GatewayError {
  return new GatewayError('PRT_ERR_BACKEND_DECODE', `the backend response is not valid XML: ${(error as Error).message}`, { cause: error });
}

/** Parses an XML document into mxj's map shape. */
export function parseXml(body: Buffer | string): Decoded {
  let text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (ENTITY_DECLARATION.test(text)) throw invalid(new Error('entity declarations are not supported'));
  const verdict = fastXml().XMLValidator.validate(text);
  if (verdict !== true) throw invalid(new Error(`${verdict.err.msg} (line ${verdict.err.line})`));
  let parsed: Decoded;
  try {
    parsed = parser().parse(text) as Decoded;
  } catch (error) {
    throw invalid(error);
  }
  for (const key of Object.keys(parsed)) {
    // Only the root element counts (mxj stops after it); stray top-level text is not an element.
    if (key !== TEXT_KEY) return { [key]: parsed[key] };
  }
  throw invalid(new Error('no root element'));
}

export const decodeXmlBody: DecoderFactory = (isCollection) =>
  isCollection
    ? function decodeXmlCollection(body) {
        return { collection: parseXml(body) };
      }
    : function decodeXml(body) {
        return parseXml(body);
      };

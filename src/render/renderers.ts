/**
 * Output encodings (`output_encoding`). A renderer turns the merged response into a body and its
 * content type; the endpoint handler writes status and headers. More are registered by components
 * (xml, yaml, negotiate).
 */
import type { IncomingMessage } from 'node:http';
import type { ProxyResponse } from '../proxy/types.js';
import { renderJson } from './json.js';

export interface Rendered {
  contentType: string;
  body: string | Buffer;
}

export type Renderer = (response: ProxyResponse | undefined, request: IncomingMessage) => Rendered;

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

const renderers = new Map<string, Renderer>();

export function registerRenderer(encoding: string, renderer: Renderer): void {
  renderers.set(encoding, renderer);
}

/** lura `getRender`: the endpoint's encoding, else JSON. */
export function rendererFor(outputEncoding: string): Renderer {
  return renderers.get(outputEncoding) ?? (renderers.get('json') as Renderer);
}

registerRenderer('json', function renderJsonResponse(response) {
  return { contentType: JSON_TYPE, body: response ? renderJson(response.data) : '{}' };
});

registerRenderer('fast-json', rendererFor('json'));

registerRenderer('json-collection', function renderCollection(response) {
  const collection = response?.data['collection'];
  return { contentType: JSON_TYPE, body: Array.isArray(collection) ? renderJson(collection) : '[]' };
});

registerRenderer('string', function renderString(response) {
  const content = response?.data['content'];
  return { contentType: TEXT_TYPE, body: typeof content === 'string' ? content : '' };
});

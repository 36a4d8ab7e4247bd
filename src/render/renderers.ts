/**
 * Output encodings (`output_encoding`). A renderer turns the merged response into a body and its
 * content type; the endpoint handler writes status and headers. More come from `components/encodings.ts`
 * (xml, yaml, negotiate).
 */
import type { IncomingMessage } from 'node:http';
import { renderJson } from './json.js';

export interface Rendered {
  contentType: string;
  body: string | Buffer;
}

/** What a renderer reads of the merged response (a `ProxyResponse`). */
export interface RenderedData {
  data: Record<string, unknown>;
}

export type Renderer = (response: RenderedData | undefined, request: IncomingMessage) => Rendered;

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

const renderJsonResponse: Renderer = function renderJsonResponse(response) {
  return { contentType: JSON_TYPE, body: response ? renderJson(response.data) : '{}' };
};

/** lura's own renderers, by `output_encoding` (the registry falls back to `json`, as lura's `getRender`). */
export const coreRenderers: Readonly<Record<string, Renderer>> = {
  json: renderJsonResponse,
  'fast-json': renderJsonResponse,
  'json-collection': function renderCollection(response) {
    const collection = response?.data['collection'];
    return { contentType: JSON_TYPE, body: Array.isArray(collection) ? renderJson(collection) : '[]' };
  },
  string: function renderString(response) {
    const content = response?.data['content'];
    return { contentType: TEXT_TYPE, body: typeof content === 'string' ? content : '' };
  },
};

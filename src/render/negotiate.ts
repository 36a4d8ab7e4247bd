/**
 * `output_encoding: "negotiate"` (lura's negotiated render, gin's `NegotiateFormat`): the first entry
 * of the client's `Accept` that matches, in header order (quality values are not weighed, as in gin),
 * picks JSON (`application/json`), YAML (`text/plain`) or XML (`application/xml`); anything else,
 * `*\/*` or no `Accept` gives JSON.
 *
 * Difference from KrakenD, on purpose: XML is the whole response rendered like `output_encoding: "xml"`
 * (KrakenD's built-in negotiated XML passes only `content` to Go's encoding/xml, which cannot encode
 * maps and answers an empty body).
 */
import { renderJson } from './json.js';
import type { Renderer } from './renderers.js';
import { renderXml } from './xml.js';
import { renderYaml, YAML_TYPE } from './yaml.js';

const OFFERS = ['application/json', 'text/plain', 'application/xml'] as const;
type Offer = (typeof OFFERS)[number];

/** gin's `NegotiateFormat` over our three offers. */
export function negotiateFormat(accept: string | undefined): Offer {
  if (accept === undefined || accept.trim() === '') return OFFERS[0];
  for (let part of accept.split(',')) {
    const semicolon = part.indexOf(';');
    if (semicolon > 0) part = part.slice(0, semicolon);
    const accepted = part.trim();
    if (accepted === '') continue;
    for (const offer of OFFERS) {
      let i = 0;
      for (; i < accepted.length && i < offer.length; i++) {
        if (accepted[i] === '*' || offer[i] === '*') return offer;
        if (accepted[i] !== offer[i]) break;
      }
      if (i === accepted.length) return offer;
    }
  }
  return OFFERS[0];
}

export const renderNegotiated: Renderer = function renderNegotiated(response, request) {
  const data = response?.data ?? {};
  switch (negotiateFormat(request.headers.accept)) {
    case 'text/plain':
      return { contentType: YAML_TYPE, body: renderYaml(data) };
    case 'application/xml':
      return { contentType: 'application/xml; charset=utf-8', body: renderXml(data) };
    default:
      return { contentType: 'application/json; charset=utf-8', body: renderJson(data) };
  }
};

/**
 * KrakenD CE's extra encodings: the `xml` and `rss` backend decoders and the `xml`, `yaml` and
 * `negotiate` output renderers (see docs/components/encodings.md), listed in the built-in registry.
 *
 * ```json
 * { "endpoint": "/user", "output_encoding": "negotiate",
 *   "backend": [{ "url_pattern": "/user.xml", "encoding": "xml" }] }
 * ```
 */
import type { DecoderFactory } from '../encoding/decode.js';
import { decodeRssBody } from '../encoding/rss.js';
import { decodeXmlBody } from '../encoding/xml.js';
import { renderNegotiated } from '../render/negotiate.js';
import type { Renderer } from '../render/renderers.js';
import { renderXmlResponse } from '../render/xml.js';
import { renderYamlResponse } from '../render/yaml.js';

export const extraDecoders: Readonly<Record<string, DecoderFactory>> = { xml: decodeXmlBody, rss: decodeRssBody };

export const extraRenderers: Readonly<Record<string, Renderer>> = { xml: renderXmlResponse, yaml: renderYamlResponse, negotiate: renderNegotiated };

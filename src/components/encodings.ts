/**
 * Registers KrakenD CE's extra encodings: the `xml` and `rss` backend decoders and the `xml`, `yaml` and
 * `negotiate` output renderers (see docs/components/encodings.md).
 *
 * ```json
 * { "endpoint": "/user", "output_encoding": "negotiate",
 *   "backend": [{ "url_pattern": "/user.xml", "encoding": "xml" }] }
 * ```
 */
import '../encoding/xml.js';
import '../encoding/rss.js';
import '../render/xml.js';
import '../render/yaml.js';
import '../render/negotiate.js';

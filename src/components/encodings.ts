/** Registers the backend decoders (xml, rss) and output renderers (xml, yaml, negotiate) of KrakenD CE. */
import '../encoding/xml.js';
import '../encoding/rss.js';
import '../render/xml.js';
import '../render/yaml.js';
import '../render/negotiate.js';

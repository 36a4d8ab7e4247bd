/** Portico's version, sent as `X-Krakend: Version …` and in the backend `User-Agent`. */
export const PORTICO_VERSION = '0.1.0';

/**
 * The product token of the backend `User-Agent` (`<product> Version <version>`). KrakenD sends
 * `KrakenD`; Portico keeps that token by default so backends that recognise KrakenD's agent keep working,
 * and `PORTICO_USER_AGENT_PRODUCT` changes it.
 */
export const USER_AGENT_PRODUCT = process.env['PORTICO_USER_AGENT_PRODUCT'] ?? 'KrakenD';

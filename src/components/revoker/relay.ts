/** The message a worker sends the primary with revocations added on its admin listener; the primary relays it to the other workers. */
export const REVOCATION_RELAY = 'portico:revoker:add';

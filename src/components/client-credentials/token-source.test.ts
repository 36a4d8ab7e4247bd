import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../clock.js';
import { TokenSource, TokenError, parseTokenResponse } from './token-source.js';
import type { ClientCredentialsSettings } from './token-source.js';

interface Seen {
  authorization: string | null;
  form: URLSearchParams;
}

function tokenServer(answers: (() => Response)[]): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fake = (async (_url: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    seen.push({ authorization: headers.get('authorization'), form: new URLSearchParams(String(init?.body)) });
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)] as () => Response;
    return answer();
  }) as typeof fetch;
  return { fetch: fake, seen };
}

const json = (body: unknown, status = 200): (() => Response) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function source(fetchImpl: typeof fetch, clock: ManualClock, overrides: Partial<ClientCredentialsSettings> = {}): TokenSource {
  return new TokenSource({ clientId: 'id one', clientSecret: 's&cret', tokenUrl: 'http://idp.test/token', scopes: ['a', 'b'], endpointParams: { audience: ['orders'] }, fetchTimeoutMs: 1000, clock, fetch: fetchImpl, ...overrides });
}

test('the token is fetched once, reused, and fetched again 10 s before it expires', async () => {
  const clock = new ManualClock(0);
  const server = tokenServer([json({ access_token: 't1', token_type: 'bearer', expires_in: 60 }), json({ access_token: 't2', expires_in: 60 })]);
  const tokens = source(server.fetch, clock);
  assert.equal((await tokens.current()).authorization, 'Bearer t1');
  clock.advance(49_000);
  assert.equal((await tokens.current()).authorization, 'Bearer t1');
  assert.equal(server.seen.length, 1);
  clock.advance(1_001);
  assert.equal((await tokens.current()).authorization, 'Bearer t2');
  assert.equal(server.seen.length, 2);
});

test('concurrent callers share one fetch', async () => {
  const server = tokenServer([json({ access_token: 'shared' })]);
  const tokens = source(server.fetch, new ManualClock());
  const all = await Promise.all(Array.from({ length: 20 }, () => Promise.resolve(tokens.current())));
  assert.ok(all.every((token) => token.authorization === 'Bearer shared'));
  assert.equal(server.seen.length, 1);
});

test('the form and Basic credentials follow x/oauth2 (query-escaped, scopes space-joined)', async () => {
  const server = tokenServer([json({ access_token: 'x' })]);
  await source(server.fetch, new ManualClock()).current();
  const first = server.seen[0] as Seen;
  assert.equal(first.authorization, `Basic ${Buffer.from('id+one:s%26cret').toString('base64')}`);
  assert.equal(first.form.get('grant_type'), 'client_credentials');
  assert.equal(first.form.get('scope'), 'a b');
  assert.equal(first.form.get('audience'), 'orders');
  assert.equal(first.form.get('client_id'), null);
});

test('a server refusing Basic is asked again with the credentials in the form, and that style is kept', async () => {
  const clock = new ManualClock();
  const server = tokenServer([json({ error: 'invalid_client' }, 401), json({ access_token: 'p1', expires_in: 1 }), json({ access_token: 'p2' })]);
  const tokens = source(server.fetch, clock);
  assert.equal((await tokens.current()).authorization, 'Bearer p1');
  assert.equal(server.seen[1]?.form.get('client_id'), 'id one');
  assert.equal(server.seen[1]?.form.get('client_secret'), 's&cret');
  assert.equal(server.seen[1]?.authorization, null);
  clock.advance(1);
  assert.equal((await tokens.current()).authorization, 'Bearer p2');
  assert.equal(server.seen.length, 3, 'no second probe');
  assert.equal(server.seen[2]?.form.get('client_id'), 'id one');
});

test('failures are TokenErrors naming the status and OAuth error code, never the secret; the next call tries again', async () => {
  const server = tokenServer([json({ error: 'invalid_client', error_description: 'secret s&cret is wrong' }, 401)]);
  const tokens = source(server.fetch, new ManualClock());
  await assert.rejects(Promise.resolve(tokens.current()), (error: Error) => error instanceof TokenError && /401 \(invalid_client\)/.test(error.message) && !error.message.includes('s&cret'));
  await assert.rejects(Promise.resolve(tokens.current()), TokenError);
  assert.equal(server.seen.length, 4, 'two probes per attempt, nothing cached');
});

test('endpoint_params may not overwrite the scope', async () => {
  const server = tokenServer([json({ access_token: 'x' })]);
  const tokens = source(server.fetch, new ManualClock(), { endpointParams: { scope: ['other'] } });
  await assert.rejects(Promise.resolve(tokens.current()), /cannot overwrite parameter "scope"/);
  assert.equal(server.seen.length, 0);
});

test('token answers: JSON or form, token types, missing token, header-breaking token', () => {
  assert.deepEqual(parseTokenResponse('access_token=f&token_type=mac&expires_in=20', 'text/plain; charset=utf-8', 0), { authorization: 'MAC f', refreshAt: 10_000 });
  assert.equal(parseTokenResponse('{"access_token":"j","token_type":"DPoP"}', 'application/json', 0).authorization, 'DPoP j');
  assert.equal(parseTokenResponse('{"access_token":"j"}', '', 0).refreshAt, Infinity);
  assert.throws(() => parseTokenResponse('{"token_type":"bearer"}', 'application/json', 0), /missing access_token/);
  assert.throws(() => parseTokenResponse('{"access_token":"a\\r\\nX-Evil: 1"}', 'application/json', 0), /header cannot carry/);
});

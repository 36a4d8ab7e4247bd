/**
 * Where Portico has to choose (Go leaves an order random, or reads the clock, the environment or a random
 * source), and the template-set rules of Go's ParseFiles.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { standardFunctions, TemplateSet } from '../../../src/config/template/index.js';
import { formatFloat, GoFunction } from '../../../src/config/template/values.js';
import { sprintf } from '../../../src/config/template/fmt.js';
import { goJson } from '../../../src/config/template/json.js';
import { render } from './render.js';

describe('template functions: choices where Go does not fix the answer', () => {
  it('keys and values follow the sorted key order (Go returns a random order)', () => {
    assert.equal(render('{{ keys .m }} {{ values .m }} {{ keys .m (dict "a" 0) }}', { m: { b: 2, a: 1, c: 3 } }), '[a b c] [1 2 3] [a b c a]');
  });

  it('env and expandenv read the environment given to the loader', () => {
    const env = { SERVICE_NAME: 'gateway', PORT: '8080' };
    assert.equal(render('{{ env "SERVICE_NAME" }}|{{ env "UNSET" }}|{{ expandenv "$SERVICE_NAME:${PORT}$UNSET" }}', {}, { env }), 'gateway||gateway:8080');
  });

  it('uuidv4 gives a new version-4 UUID on each call', () => {
    const [a, b] = render('{{ uuidv4 }} {{ uuidv4 }}').split(' ');
    assert.match(a ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a, b);
  });

  it('now and date format with Go layouts', () => {
    const previous = process.env['TZ'];
    process.env['TZ'] = 'UTC';
    try {
      assert.equal(render('{{ now | date "2006-01-02T15:04:05Z07:00" }} {{ date "Mon Jan _2 03:04PM 06" 1700000000 }} {{ unixEpoch now }}', {}, { now: 1_700_000_000_000 }), '2023-11-14T22:13:20Z Tue Nov 14 10:13PM 23 1700000000');
    } finally {
      if (previous === undefined) delete process.env['TZ'];
      else process.env['TZ'] = previous;
    }
  });

  it('marshal and toJson render nothing for a value JSON cannot hold, as Go drops the error', () => {
    assert.equal(render('[{{ marshal (float64 "NaN") }}][{{ toJson (float64 "NaN") }}]'), '[][]');
  });

  it('"__proto__" is an ordinary key of a dict', () => {
    assert.equal(render('{{ $d := dict "__proto__" 1 "a" 2 }}{{ $d }} {{ keys $d }} {{ get $d "__proto__" }}'), 'map[__proto__:1 a:2] [__proto__ a] 1');
  });

  it('set, unset and merge change the dict they are given, as Sprig does', () => {
    assert.equal(render('{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $_ := merge $d (dict "c" 3) }}{{ $d }}'), 'map[a:1 b:2 c:3]');
  });
});

describe('template sets: Go ParseFiles rules', () => {
  const functions = standardFunctions({ env: {}, now: () => 0 });

  it('a later definition replaces an earlier one, but an empty one does not', () => {
    const set = new TemplateSet(functions);
    set.add({ name: 'main.tmpl', file: 'main.tmpl', text: '{{ define "x" }}first{{ end }}[{{ template "x" }}][{{ template "y.tmpl" }}]' });
    set.add({ name: 'x.tmpl', file: 'x.tmpl', text: '{{ define "x" }}second{{ end }}' });
    set.add({ name: 'y.tmpl', file: 'y.tmpl', text: 'file body' });
    set.add({ name: 'empty.tmpl', file: 'empty.tmpl', text: '{{ define "x" }}{{ end }}\n' });
    assert.equal(set.execute('main.tmpl', {}), '[second][file body]');
  });

  it('call invokes a function value, and refuses anything else', () => {
    const set = new TemplateSet(functions);
    set.add({ name: 'call.tmpl', file: 'call.tmpl', text: '{{ call .join "a" "b" }}|{{ call .join }}' });
    const join = new GoFunction((...parts) => parts.join('+'));
    assert.equal(set.execute('call.tmpl', { join }), 'a+b|');
    set.add({ name: 'bad.tmpl', file: 'bad.tmpl', text: '{{ call .name 1 }}' });
    assert.throws(() => set.execute('bad.tmpl', { name: 'x' }), /error calling call: non-function of type string/);
  });

  it('else-with chains, assignments to outer variables and undefined variables', () => {
    const set = new TemplateSet(functions);
    set.add({ name: 'a.tmpl', file: 'a.tmpl', text: '{{ $n := 0 }}{{ range .l }}{{ $n = add $n . }}{{ end }}{{ $n }}{{ with .x }}x{{ else with .l }}{{ len . }}{{ end }}' });
    assert.equal(set.execute('a.tmpl', { l: [1, 2, 3] }), '63');
    assert.throws(() => set.add({ name: 'b.tmpl', file: 'b.tmpl', text: '{{ $y = 1 }}' }), /undefined variable "\$y"/);
  });

  it('a template called from another file reports errors in its own file', () => {
    const set = new TemplateSet(functions);
    set.add({ name: 'main.tmpl', file: 'main.tmpl', text: '{{ template "part.tmpl" . }}' });
    set.add({ name: 'part.tmpl', file: 'dir/part.tmpl', text: 'ok\n  {{ index .list 3 }}' });
    assert.throws(() => set.execute('main.tmpl', { list: [] }), { file: 'dir/part.tmpl', line: 2, column: 6 });
  });
});

describe('Go value printing', () => {
  it('floats print as Go %v: exponent from 1e+06 and below 1e-04', () => {
    assert.deepEqual([8080, 1234567, 100000, 0.0001, 0.00001, 1e21, -2.5e-7, 0.1].map(formatFloat), ['8080', '1.234567e+06', '100000', '0.0001', '1e-05', '1e+21', '-2.5e-07', '0.1']);
  });

  it('printf marks missing, extra and mismatched arguments as Go does', () => {
    assert.equal(sprintf('%d %s|%d', ['x', 1n]), '%!d(string=x) %!s(int=1)|%!d(MISSING)');
    assert.equal(sprintf('%d', [1n, 2n]), '1%!(EXTRA int=2)');
  });

  it('JSON escapes HTML characters unless asked not to, and sorts keys', () => {
    assert.equal(goJson({ b: '<&>', a: [1n, 2.5, null] }, { indent: '', escapeHtml: true }), '{"a":[1,2.5,null],"b":"\\u003c\\u0026\\u003e"}');
    assert.equal(goJson({ b: '<&>' }, { indent: '', escapeHtml: false }), '{"b":"<&>"}');
  });
});

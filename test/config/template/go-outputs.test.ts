/**
 * The template engine against Go: each expected string is what Go's text/template with Sprig v3.2.3 and
 * spf13/cast v1.6.0 (the versions KrakenD CE 2.13.8 pins) printed for the same template and data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { render } from './render.js';

/** Settings as KrakenD hands them to a template: JSON decoded by Go (numbers are float64). */
const DATA = {
  "service": {
    "port": 8080,
    "name": "api",
    "debug": false,
    "timeout": "3s",
    "ratio": 0.25,
    "big": 1234567,
    "tiny": 0.00001,
    "hosts": [
      "http://a:8080",
      "http://b:8080"
    ],
    "empty": [],
    "none": null,
    "labels": {
      "z": "last",
      "a": "first",
      "m": 2
    }
  },
  "endpoints": {
    "list": [
      {
        "path": "/users",
        "method": "GET",
        "backends": [
          "/u"
        ]
      },
      {
        "path": "/orders",
        "method": "POST",
        "backends": [
          "/o",
          "/p"
        ]
      }
    ]
  },
  "text": {
    "csv": "a,b,,c",
    "padded": "  hi there  ",
    "html": "<b>\"x\" & 'y'</b>",
    "unicode": "héllo wörld"
  }
};

const CASES: [name: string, template: string, expected: string][] = [
  ["text only", "plain {\"json\": true}", "plain {\"json\": true}"],
  ["field", "{{ .service.name }}:{{ .service.port }}", "api:8080"],
  ["missing field prints no value", "[{{ .service.nope }}][{{ .nope.deeper }}]", "[<no value>][<no value>]"],
  ["null prints no value", "[{{ .service.none }}]", "[<no value>]"],
  ["map prints sorted", "{{ .service.labels }}", "map[a:first m:2 z:last]"],
  ["list prints", "{{ .service.hosts }} {{ .service.empty }}", "[http://a:8080 http://b:8080] []"],
  ["floats print like Go", "{{ .service.ratio }} {{ .service.big }} {{ .service.tiny }} {{ 1e6 }} {{ 100000.0 }} {{ 3.0 }}", "0.25 1.234567e+06 1e-05 1e+06 100000 3"],
  ["integer literals", "{{ 42 }} {{ -7 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ 'a' }} {{ 1e3 }}", "42 -7 31 15 15 5 1000 97 1000"],
  ["string literals", "{{ \"tab\\there\" }}|{{ `raw\\n` }}|{{ \"\\u00e9\\x41\" }}", "tab\there|raw\\n|éA"],
  ["booleans", "{{ true }} {{ false }}", "true false"],
  ["dot is the data", "{{ with .service.labels }}{{ . }}{{ end }}", "map[a:first m:2 z:last]"],
  ["trim markers", "a  \n  {{- .service.name -}}  \n  b", "aapib"],
  ["comments", "x{{/* a comment */}}y{{- /* trimmed */ -}} z", "xyz"],
  ["minus number is not trim", "{{-3}}", "-3"],
  ["declare and assign", "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ $y }}{{ end }}{{ $x }}", "32"],
  ["root variable", "{{ with .service }}{{ $.text.csv }}{{ end }}", "a,b,,c"],
  ["variable fields", "{{ $s := .service }}{{ $s.labels.a }}", "first"],
  ["if else if else", "{{ if .service.debug }}a{{ else if eq .service.name \"api\" }}b{{ else }}c{{ end }}", "b"],
  ["truthiness", "{{ if 0 }}1{{ end }}{{ if \"\" }}2{{ end }}{{ if .service.empty }}3{{ end }}{{ if .service.none }}4{{ end }}{{ if .nope }}5{{ end }}{{ if .service.labels }}6{{ end }}{{ if 0.0 }}7{{ end }}{{ if \"0\" }}8{{ end }}", "68"],
  ["range list with index", "{{ range $i, $h := .service.hosts }}{{ if $i }},{{ end }}{{ $i }}={{ $h }}{{ end }}", "0=http://a:8080,1=http://b:8080"],
  ["range map sorted", "{{ range $k, $v := .service.labels }}{{ $k }}:{{ $v }};{{ end }}", "a:first;m:2;z:last;"],
  ["range one variable gets element", "{{ range $e := .service.hosts }}[{{ $e }}]{{ end }}", "[http://a:8080][http://b:8080]"],
  ["range dot", "{{ range .endpoints.list }}{{ .path }} {{ end }}", "/users /orders "],
  ["range else", "{{ range .service.empty }}x{{ else }}empty{{ end }}|{{ range .nope }}x{{ else }}missing{{ end }}", "empty|missing"],
  ["range int", "{{ range 3 }}{{ . }}{{ end }}|{{ range $v := 2 }}{{ $v }}{{ end }}", "012|01"],
  ["range break continue", "{{ range $i, $v := .service.hosts }}{{ if eq $i 0 }}{{ continue }}{{ end }}{{ $v }}{{ break }}{{ end }}", "http://b:8080"],
  ["nested range with outer variable", "{{ range $e := .endpoints.list }}{{ range $e.backends }}{{ $e.method }}{{ . }} {{ end }}{{ end }}", "GET/u POST/o POST/p "],
  ["with else with else", "{{ with .nope }}a{{ else with .service.empty }}b{{ else with .service.port }}c{{ . }}{{ else }}d{{ end }}", "c8080"],
  ["define and template", "{{ define \"host\" }}<{{ . }}>{{ end }}{{ template \"host\" .service.name }}{{ template \"host\" }}", "<api><<no value>>"],
  ["block", "{{ block \"b\" .service.port }}[{{ . }}]{{ end }}", "[8080]"],
  ["template gets fresh variables", "{{ define \"t\" }}{{ $ }}{{ end }}{{ $x := 1 }}{{ template \"t\" 5 }}", "5"],
  ["pipeline final argument", "{{ .service.name | printf \"%s-%s\" \"svc\" }}", "svc-api"],
  ["parenthesised pipelines", "{{ printf \"%d\" (len .service.hosts) }} {{ (index .endpoints.list 1).path }}", "2 /orders"],
  ["chain on pipeline", "{{ (index .endpoints.list 0).backends }}", "[/u]"],
  ["comparisons", "{{ eq 1 1 }} {{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1.5 2.5 }} {{ eq .nope .service.none }}", "true true true true true true false true"],
  ["and or return values", "{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 \"\" }} {{ or 0 \"x\" 1 }}", "0 2  x"],
  ["and short-circuits", "{{ and .nope (index .nope 3) }}|{{ or 1 (fail \"never\") }}", "<no value>|1"],
  ["not", "{{ not 0 }} {{ not .service.hosts }}", "true false"],
  ["len", "{{ len .service.hosts }} {{ len .service.labels }} {{ len \"héllo\" }}", "2 3 6"],
  ["index", "{{ index .service.hosts 1 }} {{ index .service.labels \"a\" }} {{ index .endpoints.list 1 \"backends\" 0 }} [{{ index .service.labels \"zz\" }}]", "http://b:8080 first /o [<no value>]"],
  ["print family", "{{ print 1 2 \"a\" \"b\" 3 }}|{{ print .service.name .service.port }}|{{ println 1 \"a\" }}|", "1 2ab3|api8080|1 a\n|"],
  ["printf verbs", "{{ printf \"%d|%5d|%-5d|%05d|%x|%X|%o|%b|%c|%q|%U\" 42 42 42 42 255 255 8 5 65 65 65 }}", "42|   42|42   |00042|ff|FF|10|101|A|'A'|U+0041"],
  ["printf strings", "{{ printf \"%s|%q|%10s|%-6s|%.2s|%x\" \"go\" \"a\\\"b\" \"right\" \"left\" \"trunc\" \"hi\" }}", "go|\"a\\\"b\"|     right|left  |tr|6869"],
  ["printf floats", "{{ printf \"%f|%.2f|%8.3f|%e|%E|%g|%.3g|%v\" 3.14159 3.14159 3.14159 1234.5678 1234.5678 0.000012 3.14159 2.5 }}", "3.141590|3.14|   3.142|1.234568e+03|1.234568E+03|1.2e-05|3.14|2.5"],
  ["printf values", "{{ printf \"%v|%t|%v|%v|%T|%T|%T\" .service.labels true .service.hosts .nope .service.port 1 .service.hosts }}", "map[a:first m:2 z:last]|true|[http://a:8080 http://b:8080]|<nil>|float64|int|[]interface {}"],
  ["printf errors", "{{ printf \"%d %s|%d|%!\" \"x\" 1 }}{{ printf \"%d\" 1 2 }}", "%!d(string=x) %!s(int=1)|%!d(MISSING)|%!!(MISSING)1%!(EXTRA int=2)"],
  ["html js urlquery", "{{ html .text.html }}|{{ js .text.html }}|{{ urlquery \"a b&c=d/é\" }}", "&lt;b&gt;&#34;x&#34; &amp; &#39;y&#39;&lt;/b&gt;|\\u003Cb\\u003E\\\"x\\\" \\u0026 \\'y\\'\\u003C/b\\u003E|a+b%26c%3Dd%2F%C3%A9"],
  ["marshal", "{{ marshal .service.labels }} {{ marshal .service.hosts }} {{ marshal .text.html }} {{ marshal .nope }} {{ marshal 3 }} {{ marshal .service.ratio }}", "{\"a\":\"first\",\"m\":2,\"z\":\"last\"} [\"http://a:8080\",\"http://b:8080\"] \"\\u003cb\\u003e\\\"x\\\" \\u0026 'y'\\u003c/b\\u003e\" null 3 0.25"],
  ["toJson toPrettyJson toRawJson", "{{ toJson .endpoints.list }}|{{ toPrettyJson .service.labels }}|{{ toRawJson .text.html }}", "[{\"backends\":[\"/u\"],\"method\":\"GET\",\"path\":\"/users\"},{\"backends\":[\"/o\",\"/p\"],\"method\":\"POST\",\"path\":\"/orders\"}]|{\n  \"a\": \"first\",\n  \"m\": 2,\n  \"z\": \"last\"\n}|\"<b>\\\"x\\\" & 'y'</b>\""],
  ["fromJson", "{{ $v := fromJson \"{\\\"a\\\":[1,2]}\" }}{{ $v.a }} {{ index $v.a 0 }}", "[1 2] 1"],
  ["sprig trims", "[{{ trim .text.padded }}][{{ trimAll \"/\" \"//a/b//\" }}][{{ trimSuffix \"/\" \"a/b/\" }}][{{ trimPrefix \"http://\" \"http://x\" }}]", "[hi there][a/b][a/b][x]"],
  ["sprig case", "{{ upper \"abc\" }} {{ lower \"ABC\" }} {{ title \"hello big-world o'neil\" }} {{ untitle \"Hello\" }}", "ABC abc Hello Big-World O'Neil hello"],
  ["sprig replace contains", "{{ replace \"a\" \"o\" \"banana\" }} {{ contains \"nan\" \"banana\" }} {{ hasPrefix \"ba\" \"banana\" }} {{ hasSuffix \"na\" \"banana\" }}", "bonono true true true"],
  ["sprig quote", "{{ quote \"a\" 1 .nope \"b\\\"c\" }}|{{ squote \"a\" 2 }}", "\"a\" \"1\" \"b\\\"c\"|'a' '2'"],
  ["sprig indent", "{{ indent 2 \"a\\nb\" }}|{{ nindent 4 \"x\" }}", "  a\n  b|\n    x"],
  ["sprig repeat substr trunc abbrev", "{{ repeat 3 \"ab\" }} {{ substr 1 3 \"hello\" }} {{ substr 2 -1 \"hello\" }} {{ trunc 3 \"hello\" }} {{ trunc -2 \"hello\" }} {{ abbrev 5 \"hello world\" }}", "ababab el llo hel lo he..."],
  ["sprig split", "{{ $p := split \",\" .text.csv }}{{ $p._0 }}{{ $p._3 }} {{ splitList \",\" .text.csv }} {{ len (splitList \",\" .text.csv) }} {{ splitn \",\" 2 .text.csv }}", "ac [a b  c] 4 map[_0:a _1:b,,c]"],
  ["sprig join cat nospace", "{{ join \"-\" .service.hosts }} {{ join \",\" (list 1 \"a\" .nope 2.5) }} {{ cat \"a\" 1 .nope \"b\" }} {{ nospace \" a b\\tc \" }}", "http://a:8080-http://b:8080 1,a,2.5 a 1 b abc"],
  ["sprig plural initials", "{{ plural \"one\" \"many\" 1 }} {{ plural \"one\" \"many\" 2 }} {{ initials \"hello big world\" }}", "one many hbw"],
  ["sprig list basics", "{{ list 1 \"a\" .service.port }} {{ first .service.hosts }} {{ last .service.hosts }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }}", "[1 a 8080] http://a:8080 http://b:8080 [2 3] [1 2]"],
  ["sprig list edits", "{{ append (list 1 2) 3 }} {{ prepend (list 1 2) 0 }} {{ concat (list 1) (list 2 3) .service.hosts }} {{ reverse (list 1 2 3) }}", "[1 2 3] [0 1 2] [1 2 3 http://a:8080 http://b:8080] [3 2 1]"],
  ["sprig list sets", "{{ uniq (list 1 2 1 \"a\" \"a\") }} {{ without (list 1 2 3 2) 2 }} {{ has 2 (list 1 2) }} {{ has \"x\" (list 1 2) }} {{ compact (list 1 \"\" 0 .nope \"a\") }}", "[1 2 a] [1 3] true false [1 a]"],
  ["sprig slice", "{{ slice (list 1 2 3 4) 1 3 }} {{ slice (list 1 2 3) 1 }} {{ slice (list 1 2 3) }}", "[2 3] [2 3] [1 2 3]"],
  ["sprig empty list results", "[{{ first (list) }}] {{ rest (list) }} {{ initial (list) }}", "[<no value>] [] []"],
  ["sprig sortAlpha until seq", "{{ sortAlpha (list \"b\" \"a\" \"c\") }} {{ until 3 }} {{ untilStep 0 10 3 }} {{ seq 3 }} {{ seq 5 2 }} {{ chunk 2 (list 1 2 3) }}", "[a b c] [0 1 2] [0 3 6 9] 1 2 3 5 4 3 2 [[1 2] [3]]"],
  ["sprig dict get set", "{{ $d := dict \"b\" 1 \"a\" \"x\" }}{{ $d }} {{ get $d \"a\" }} [{{ get $d \"zz\" }}] {{ $_ := set $d \"c\" 3 }}{{ $d }} {{ $_ := unset $d \"b\" }}{{ $d }} {{ hasKey $d \"a\" }}", "map[a:x b:1] x [] map[a:x b:1 c:3] map[a:x c:3] true"],
  ["sprig pick omit pluck", "{{ pick .service.labels \"a\" \"m\" \"nope\" }} {{ omit .service.labels \"a\" }} {{ pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) (dict \"a\" 3) }}", "map[a:first m:2] map[m:2 z:last] [1 3]"],
  ["sprig merge", "{{ $d := merge (dict \"a\" 1 \"n\" (dict \"x\" 1)) (dict \"a\" 2 \"b\" 2 \"n\" (dict \"x\" 2 \"y\" 2)) }}{{ $d }} {{ mergeOverwrite (dict \"a\" 1 \"k\" 1) (dict \"a\" 2 \"b\" 2) }}", "map[a:1 b:2 n:map[x:1 y:2]] map[a:2 b:2 k:1]"],
  ["sprig dig", "{{ dig \"labels\" \"a\" \"def\" .service }} {{ dig \"labels\" \"zz\" \"def\" .service }}", "first def"],
  ["sprig integer math", "{{ add 1 2 3 }} {{ add .service.port 1 }} {{ add1 9 }} {{ sub 10 3 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }} {{ max 1 7 3 }} {{ min 4 2 8 }} {{ add \"5\" 1.9 }}", "6 8081 10 7 24 3 1 7 2 6"],
  ["sprig float math", "{{ floor 2.7 }} {{ ceil 2.1 }} {{ round 2.456 2 }} {{ round 2.5 0 }} {{ addf 1.1 2.2 }} {{ mulf 1.5 2 }} {{ maxf 1 2.5 }} {{ minf 1 2.5 }}", "2 3 2.46 3 3.3 3 2.5 1"],
  ["sprig conversions", "{{ atoi \"42\" }} {{ atoi \"x\" }} {{ int \"12\" }} {{ int 3.9 }} {{ int64 \"0x10\" }} {{ float64 \"1.5\" }} {{ toString 12 }} {{ toString .service.ratio }} {{ toStrings (list 1 \"a\" .nope) }} {{ int \"3.0\" }}", "42 0 12 3 16 1.5 12 0.25 [1 a] 3"],
  ["sprig default", "{{ default \"d\" .nope }} {{ .nope | default \"p\" }} {{ default 3 0 }} {{ default \"x\" \"\" }} {{ default \"x\" \"given\" }} {{ default \"x\" (list) }} {{ default 9 .service.port }}", "d p 3 x given x 8080"],
  ["sprig empty coalesce ternary", "{{ empty \"\" }} {{ empty 0 }} {{ empty .service.hosts }} {{ empty .nope }} {{ coalesce .nope \"\" \"first\" \"second\" }} {{ ternary \"yes\" \"no\" true }} {{ ternary \"yes\" \"no\" false }} {{ all 1 \"a\" }} {{ any 0 \"\" 1 }}", "true true false true first yes no true true"],
  ["sprig base64", "{{ b64enc \"hello\" }} {{ b64dec \"aGVsbG8=\" }}", "aGVsbG8= hello"],
  ["sprig regex", "{{ regexMatch \"^[a-z]+$\" \"abc\" }} {{ regexMatch \"^[a-z]+$\" \"ab1\" }} {{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }} {{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"$1W\" }} {{ regexReplaceAllLiteral \"a(x*)b\" \"-ab-\" \"$1\" }} {{ regexFindAll \"[0-9]+\" \"a1b22c333\" -1 }} {{ regexFind \"[0-9]+\" \"ab12\" }} {{ regexSplit \",\" \"a,b,c\" 2 }}", "true false -W-xxW- --- -$1- [1 22 333] 12 [a b,c]"],
  ["sprig paths", "{{ base \"/a/b.json\" }} {{ dir \"/a/b.json\" }} {{ ext \"x/y.tar.gz\" }} {{ clean \"a//b/../c/\" }} {{ isAbs \"/x\" }}", "b.json /a .gz a/c true"],
  ["sprig reflection", "{{ kindOf .service.labels }} {{ kindOf .service.hosts }} {{ kindOf 1 }} {{ typeOf .service.port }} {{ kindIs \"string\" \"a\" }} {{ deepEqual (list 1 2) (list 1 2) }}", "map slice int float64 true true"],
  ["sprig sha256", "{{ sha256sum \"abc\" }}", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
];

/** Cases with their own data. */
const MORE_CASES: [name: string, template: string, data: unknown, expected: string][] = [
  ["printf rounds half to even", "{{ printf \"%.0f|%.0f|%.1f|%.2f|%.0f\" 2.5 3.5 0.25 1.005 0.5 }}", {}, "2|4|0.2|1.00|0"],
  ["printf flags and float verbs", "{{ printf \"%+d|% d|%x|%08.3f|%-8s|%6.2f|%e|%g|%g|%g|%G\" 5 5 -255 -3.14159 \"ab\" -1.5 0.0 100000.0 1e21 1e-7 1e-7 }}", {}, "+5| 5|-ff|-003.142|ab      | -1.50|0.000000e+00|100000|1e+21|1e-07|1E-07"],
  ["printf on strings, lists, maps and nil", "{{ printf \"%q|%s|%5t|%v|%d|%s\" \"héllo\\n\" .l true .m .l .n }}", {"l":[1,2],"m":{"a":[1,{"b":null}]},"n":null}, "\"héllo\\n\"|[%!s(float64=1) %!s(float64=2)]| true|map[a:[1 map[b:<nil>]]]|[%!d(float64=1) %!d(float64=2)]|%!s(<nil>)"],
  ["title, trunc, js and html on non-ASCII text", "{{ title \"élan vital ümlaut\" }}|{{ trunc 3 \"héllo\" }}|{{ js \"é\\u2028x\" }}|{{ html \"a\\u0000b\" }}", {}, "Élan Vital Ümlaut|hé|é\\u2028x|a�b"],
  ["nested values print as Go", "{{ len .m }} {{ printf \"%v\" (index .m \"a\") }} {{ .m.a }}", {"m":{"a":[1,{"b":null}]}}, "1 [1 map[b:<nil>]] [1 map[b:<nil>]]"],
  ["JSON of empty and special values", "{{ toPrettyJson (list) }} {{ toPrettyJson (dict) }} {{ toJson (dict \"a\" (list)) }} {{ toJson 1.0 }} {{ toJson 1e-7 }} {{ toJson \"\\u2028\" }}", {}, "[] {} {\"a\":[]} 1 1e-7 \"\\u2028\""],
  ["default, coalesce, ternary and lenient conversions", "{{ default .d .x }} {{ coalesce 0 .x }} [{{ ternary 1 2 (eq 1 1) }}] {{ empty (dict) }} {{ int64 \"010\" }} {{ int \"-0x1f\" }} {{ float64 \"1e3\" }} {{ atoi \" 5\" }}", {"d":"dd","x":""}, "dd <no value> [1] true 8 -31 1000 0"],
  ["integer math truncates, float helpers", "{{ add 1.9 1.9 }} {{ mul 2.5 2 }} {{ max \"9\" 3 }} {{ round 1.23456 3 }} {{ round -2.5 0 }} {{ floor -1.5 }} {{ ceil \"2.1\" }} {{ div -7 2 }} {{ mod -7 3 }}", {}, "2 4 9 1.235 -3 -2 3 -3 -1"],
  ["range index and map key order", "{{ range $i, $c := .m }}{{ $i }}{{ end }}|{{ range $k, $v := .o }}{{ $k }}{{ end }}", {"m":["a","b"],"o":{"B":1,"a":2,"_":3,"1":4}}, "01|1B_a"],
  ["regex named groups, a dollar sign and empty results", "{{ regexReplaceAll \"(?P<first>\\\\w+) (?P<last>\\\\w+)\" \"John Smith\" \"${last}, ${first}\" }}|{{ regexReplaceAll \"a\" \"banana\" \"$$\" }}|{{ regexFindAll \"x\" \"abc\" -1 }}|{{ regexSplit \"\" \"abc\" -1 }}", {}, "Smith, John|b$n$n$|[]|[a b c]"],
  ["quote, cat and join on lists", "{{ squote .l }} {{ quote .l }} {{ cat .l \"x\" }} {{ join \",\" \"single\" }} {{ toStrings \"s\" }} {{ sortAlpha (list 3 1 2) }}", {"l":[1,"a"]}, "'[1 a]' \"[1 a]\" [1 a] x single [s] [1 2 3]"],
  ["append copies; has and uniq compare Go types", "{{ $x := list 1 2 }}{{ $y := append $x 3 }}{{ $x }} {{ $y }} {{ has 1.0 (list 1) }} {{ has 1 (list 1) }} {{ uniq (list 1 1.0) }}", {}, "[1 2] [1 2 3] false true [1 1]"],
  ["base64 errors and UTF-8", "{{ b64dec \"!!\" }}|{{ b64dec \"aGVsbG8\" }}|{{ b64enc \"é\" }}", {}, "illegal base64 data at input byte 0|illegal base64 data at input byte 4|w6k="],
  ["float printing and println of no value", "{{ printf \"%v %v\" 1e21 123456789.0 }} {{ print 1.5 2.5 }} {{ println .nope }}", {}, "1e+21 1.23456789e+08 1.5 2.5 <nil>\n"],
  ["regexReplaceAll with empty matches", "{{ regexReplaceAll \"a*\" \"baaac\" \"X\" }}|{{ regexReplaceAll \"\" \"abc\" \"-\" }}|{{ regexReplaceAll \"x*\" \"\" \"Y\" }}|{{ regexReplaceAll \"(a)(b)?\" \"ab a\" \"[$2$1]\" }}|{{ regexReplaceAll \"a\" \"aaa\" \"$1x\" }}|{{ regexReplaceAll \"(?i)HELLO\" \"hello Hello\" \"bye\" }}", {}, "XbXcX|-a-b-c-|Y|[ba] [a]||bye bye"],
  ["regexFindAll and regexSplit with empty matches", "{{ regexFindAll \"a*\" \"baaac\" -1 }}|{{ regexFindAll \"\" \"héllo\" -1 }}|{{ regexFindAll \"[0-9]\" \"1a2b3\" 2 }}|{{ regexFind \"z\" \"abc\" }}|{{ regexSplit \"a*\" \"baaac\" -1 }}|{{ regexSplit \",\" \"a,b,,c,\" -1 }}|{{ regexSplit \"x\" \"\" -1 }}|{{ regexSplit \",\" \"a,b,c\" 0 }}", {}, "[ aaa ]|[     ]|[1 2]||[b c]|[a b  c ]|[]|[]"],
  ["regexMatch, invalid pattern, regexQuoteMeta", "{{ regexMatch \"^\\\\d{3}$\" \"123\" }} {{ regexMatch \"(\" \"x\" }} {{ regexQuoteMeta \"a.b*c\" }}", {}, "true false a\\.b\\*c"],
  ["regexReplaceAll with anchors and word boundaries", "{{ regexReplaceAll \"^\" \"abc\" \">\" }}|{{ regexReplaceAll \"$\" \"abc\" \"<\" }}|{{ regexReplaceAll \"\\\\b\" \"ab cd\" \"|\" }}", {}, ">abc|abc<||ab| |cd|"],
];

describe('template engine: Go text/template and Sprig outputs', () => {
  for (const [name, template, expected] of CASES) {
    it(name, () => {
      assert.equal(render(template, DATA), expected);
    });
  }
  for (const [name, template, data, expected] of MORE_CASES) {
    it(name, () => {
      assert.equal(render(template, data), expected);
    });
  }
});

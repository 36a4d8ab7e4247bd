/** Go's `textproto.CanonicalMIMEHeaderKey`: `x-foo-bar` → `X-Foo-Bar`; names with invalid characters stay as they are. */
export function canonicalHeaderName(name: string): string {
  let upper = true;
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    const isToken = code > 32 && code < 127 && code !== 58 && !(code === 32);
    if (!isToken || code === 32) return name;
    let ch = name[i] as string;
    if (upper && code >= 97 && code <= 122) ch = String.fromCharCode(code - 32);
    else if (!upper && code >= 65 && code <= 90) ch = String.fromCharCode(code + 32);
    out += ch;
    upper = code === 45;
  }
  return out;
}

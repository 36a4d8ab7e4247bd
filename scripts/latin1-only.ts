/**
 * Generated JavaScript with every character beyond Latin-1 written as a \u escape. One such character (a
 * comment's arrow, Go's "μs" in a pattern) makes V8 hold a whole script's source as UTF-16, twice its
 * size, for as long as the process runs: 0.9 MB more for the bundled command, 0.8 MB for the validator.
 * Safe where they occur in generated code: comments, string, template and regular-expression literals.
 */
export function latin1Only(code: string): string {
  return code.replace(/[^\x00-\xff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

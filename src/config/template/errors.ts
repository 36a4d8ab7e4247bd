/** A template problem, located in the file that holds it. */
export class TemplateError extends Error {
  constructor(
    message: string,
    /** The template file (its name as `template` calls it, or the path given to the loader). */
    readonly file: string,
    readonly line: number,
    readonly column: number,
    /** The action or call that failed, as written (`index .hosts 3`), when execution failed. */
    readonly context?: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }

  /** `krakend.tmpl:12:7: at <index .hosts 3>: error calling index: index out of range: 3` */
  describe(): string {
    return `${this.file}:${this.line}:${this.column}: ${this.context === undefined ? '' : `at <${this.context}>: `}${this.message}`;
  }
}

/** Line and 1-based column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

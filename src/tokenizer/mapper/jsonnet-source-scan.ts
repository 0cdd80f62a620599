/**
 * A lexical scan of a Jsonnet source. It finds every `import`, `importstr` and `importbin`, and whether the source
 * might read external variables, the way libjsonnet 0.20 lexes it
 * (core/lexer.cpp): comments (`//`, `#`, `/* *\/`), strings ('..', "..", @'..', @"..") and ||| text blocks are
 * skipped exactly as the real lexer skips them, so an "import" inside a comment or a string is not one, and an
 * import cannot hide from the check behind a construct the real lexer reads differently.
 *
 * Jsonnet only accepts a string literal as an import path (libjsonnet refuses "computed imports" and text
 * blocks), so every import the interpreter can ever perform is visible here, statically.
 */
export interface ImportReference {
  keyword: 'import' | 'importstr' | 'importbin';
  /** The path after unescaping, as libjsonnet hands it to its import callback. */
  path: string;
  /** Offsets of the string literal token in the source (for rewriting it), end exclusive. */
  literalStart: number;
  literalEnd: number;
  /** 1-based line of the keyword, for messages. */
  line: number;
}

/** The source is not valid Jsonnet as far as imports go (or this lexer cannot prove what it imports). */
export class JsonnetImportSyntaxError extends Error {
  override readonly name = 'JsonnetImportSyntaxError';
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

const IMPORT_KEYWORDS = new Set(['import', 'importstr', 'importbin']);
const SINGLE_CHAR_TOKENS = new Set(['{', '}', '[', ']', ',', '.', '(', ')', ';']);
const SYMBOLS = new Set(['!', '$', ':', '~', '+', '-', '&', '|', '^', '=', '<', '>', '*', '/', '%']);

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentifierFirst = (c: string | undefined): boolean => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isIdentifier = (c: string | undefined): boolean => isIdentifierFirst(c) || isDigit(c);
const isHorizontalSpace = (c: string | undefined): boolean => c === ' ' || c === '\t';
/** is_horz_ws: what may follow `|||` on its line (a carriage return included). */
const isBlockHeaderSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r';

type Token =
  | { kind: 'identifier'; text: string; start: number; line: number }
  | { kind: 'string'; value: string; start: number; end: number; line: number }
  | { kind: 'text-block'; start: number; line: number }
  | { kind: 'dot'; start: number; line: number }
  | { kind: 'other'; start: number; line: number };

export interface JsonnetSourceScan {
  imports: ImportReference[];
  /**
   * Whether the source may reach `std.extVar`. Conservative: true unless every `std` in it is followed by
   * `.name` with a name other than `extVar` (so `std['extVar']`, `local s = std`, `f(std)` all count).
   */
  mayReadExternalVariables: boolean;
}

export function scanJsonnet(source: string): JsonnetSourceScan {
  const imports: ImportReference[] = [];
  let mayReadExternalVariables = false;
  let pendingKeyword: { keyword: ImportReference['keyword']; line: number } | null = null;
  let stdState: 'none' | 'after-std' | 'after-std-dot' = 'none';
  for (const token of lex(source)) {
    if (stdState === 'after-std') {
      stdState = token.kind === 'dot' ? 'after-std-dot' : 'none';
      if (token.kind !== 'dot') mayReadExternalVariables = true;
    } else if (stdState === 'after-std-dot') {
      stdState = 'none';
      if (token.kind !== 'identifier' || token.text === 'extVar') mayReadExternalVariables = true;
    }
    if (token.kind === 'identifier' && token.text === 'std') stdState = 'after-std';
    if (token.kind === 'identifier' && token.text === 'extVar') mayReadExternalVariables = true;

    if (pendingKeyword) {
      if (token.kind !== 'string') {
        // libjsonnet refuses these statically ("computed imports are not allowed", "Cannot use text blocks in
        // import statements"); refusing here too keeps the rule simple: every import names a literal path.
        throw new JsonnetImportSyntaxError(pendingKeyword.line, `${pendingKeyword.keyword} must be followed by a string literal path`);
      }
      imports.push({ keyword: pendingKeyword.keyword, path: token.value, literalStart: token.start, literalEnd: token.end, line: pendingKeyword.line });
      pendingKeyword = null;
    } else if (token.kind === 'identifier' && IMPORT_KEYWORDS.has(token.text)) {
      pendingKeyword = { keyword: token.text as ImportReference['keyword'], line: token.line };
    }
  }
  if (pendingKeyword) throw new JsonnetImportSyntaxError(pendingKeyword.line, `${pendingKeyword.keyword} at the end of the file`);
  if (stdState !== 'none') mayReadExternalVariables = true;
  return { imports, mayReadExternalVariables };
}

function* lex(source: string): Generator<Token> {
  let i = 0;
  let line = 1;
  const at = (k: number): string | undefined => (k < source.length ? source[k] : undefined);
  const fail = (problem: string): never => {
    throw new JsonnetImportSyntaxError(line, problem);
  };
  /** Advances over source[from, to) keeping the line counter right. */
  const countLines = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (source[k] === '\n') line++;
  };

  while (i < source.length) {
    const c = source[i] as string;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    const start = i;
    const startLine = line;

    if (SINGLE_CHAR_TOKENS.has(c)) {
      i++;
      yield { kind: c === '.' ? 'dot' : 'other', start, line: startLine };
      continue;
    }
    if (isDigit(c)) {
      // lex_number: digits, optional fraction, optional exponent. No quote or comment can start inside one.
      while (isDigit(at(i))) i++;
      if (at(i) === '.' && isDigit(at(i + 1))) {
        i++;
        while (isDigit(at(i))) i++;
      }
      if (at(i) === 'e' || at(i) === 'E') {
        let k = i + 1;
        if (at(k) === '+' || at(k) === '-') k++;
        if (isDigit(at(k))) {
          i = k;
          while (isDigit(at(i))) i++;
        }
      }
      yield { kind: 'other', start, line: startLine };
      continue;
    }
    if (c === '"' || c === "'") {
      // Escapes are skipped pairwise, exactly as the real lexer does; unescaping happens afterwards.
      let k = i + 1;
      let raw = '';
      for (;;) {
        const d = at(k);
        if (d === undefined) fail('unterminated string');
        if (d === c) break;
        if (d === '\\' && at(k + 1) !== undefined) {
          raw += d;
          k++;
        }
        raw += at(k) as string;
        k++;
      }
      countLines(i, k);
      i = k + 1;
      yield { kind: 'string', value: unescape(raw, startLine), start, end: i, line: startLine };
      continue;
    }
    if (c === '@') {
      const quote = at(i + 1);
      if (quote !== '"' && quote !== "'") fail("junk after '@'");
      let k = i + 2;
      let value = '';
      for (;;) {
        const d = at(k);
        if (d === undefined) fail('unterminated verbatim string');
        if (d === quote) {
          if (at(k + 1) === quote) k++;
          else break;
        }
        value += at(k) as string;
        k++;
      }
      countLines(i, k);
      i = k + 1;
      yield { kind: 'string', value, start, end: i, line: startLine };
      continue;
    }
    if (isIdentifierFirst(c)) {
      while (isIdentifier(at(i))) i++;
      yield { kind: 'identifier', text: source.slice(start, i), start, line: startLine };
      continue;
    }
    if (c === '#' || (c === '/' && at(i + 1) === '/')) {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && at(i + 1) === '*') {
      const close = source.indexOf('*/', i + 2);
      if (close === -1) fail('multi-line comment has no terminating */');
      countLines(i, close);
      i = close + 2;
      continue;
    }
    if (c === '|' && at(i + 1) === '|' && at(i + 2) === '|') {
      i = skipTextBlock(i);
      yield { kind: 'text-block', start, line: startLine };
      continue;
    }
    if (SYMBOLS.has(c)) {
      // An operator run stops where a comment or a text block starts, as in the real lexer.
      while (SYMBOLS.has(at(i) as string)) {
        if (at(i) === '/' && (at(i + 1) === '/' || at(i + 1) === '*')) break;
        if (at(i) === '|' && at(i + 1) === '|' && at(i + 2) === '|') break;
        i++;
      }
      yield { kind: 'other', start, line: startLine };
      continue;
    }
    fail(`unexpected character ${JSON.stringify(c)}`);
  }

  /** The text block rules of lexer.cpp: `|||`, blank to end of line, then lines sharing the first line's indent. */
  function skipTextBlock(from: number): number {
    let k = from + 3;
    while (isBlockHeaderSpace(at(k))) k++;
    if (at(k) !== '\n') fail('text block syntax requires new line after |||');
    k++;
    line++;
    while (at(k) === '\n') {
      k++;
      line++;
    }
    const firstLine = k;
    let indent = whitespacePrefix(firstLine, k);
    if (indent === 0) fail("text block's first line must start with whitespace");
    for (;;) {
      k += indent;
      while (at(k) !== '\n') {
        if (at(k) === undefined) fail('unexpected end of file in text block');
        k++;
      }
      k++;
      line++;
      while (at(k) === '\n') {
        k++;
        line++;
      }
      indent = whitespacePrefix(firstLine, k);
      if (indent === 0) {
        while (isHorizontalSpace(at(k))) k++;
        if (!(at(k) === '|' && at(k + 1) === '|' && at(k + 2) === '|')) fail('text block not terminated with |||');
        return k + 3;
      }
    }
  }

  /** whitespace_check(a, b): the length of a's leading blanks when b starts with the same blanks, else 0. */
  function whitespacePrefix(a: number, b: number): number {
    let n = 0;
    while (isHorizontalSpace(at(a + n))) {
      if (at(b + n) !== at(a + n)) return 0;
      n++;
    }
    return n;
  }
}

/** jsonnet_string_unescape (core/string_utils.cpp), including its surrogate-pair rule for \u escapes. */
function unescape(raw: string, line: number): string {
  let out = '';
  for (let k = 0; k < raw.length; k++) {
    const c = raw[k] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = raw[++k];
    switch (e) {
      case '"':
      case "'":
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        const first = hex4(raw, k + 1, line);
        k += 4;
        if (first >= 0xd800 && first < 0xe000) {
          if (raw[k + 1] !== '\\' || raw[k + 2] !== 'u') throw new JsonnetImportSyntaxError(line, 'invalid non-BMP unicode escape in string literal');
          const second = hex4(raw, k + 3, line);
          if (first >= 0xdc00 || second < 0xdc00 || second >= 0xe000) throw new JsonnetImportSyntaxError(line, 'invalid UTF-16 surrogate pair in string literal');
          k += 6;
          out += String.fromCharCode(first, second);
        } else {
          out += String.fromCharCode(first);
        }
        break;
      }
      default:
        throw new JsonnetImportSyntaxError(line, `unknown escape sequence in string literal: ${JSON.stringify(e ?? '')}`);
    }
  }
  return out;
}

function hex4(raw: string, from: number, line: number): number {
  const digits = raw.slice(from, from + 4);
  if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw new JsonnetImportSyntaxError(line, 'malformed \\u escape in string literal');
  return Number.parseInt(digits, 16);
}

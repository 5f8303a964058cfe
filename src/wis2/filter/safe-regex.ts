/**
 * The `regex` operator: Python `re.search` semantics for the syntax filters need, run by a
 * Thompson-NFA simulation, so matching time is linear in the subject (no backtracking, so no
 * catastrophic patterns). Supported: literals, `.`, classes, `\d \w \s \D \W \S`, `\b \B \A \Z`,
 * `^ $`, groups `( )`, `(?: )`, `(?P<name> )`, comments `(?# )`, alternation, the quantifiers
 * `* + ? {n} {n,} {,m} {n,m}` and their lazy forms, and leading global flags `(?i)`, `(?m)`, `(?s)`.
 * Not supported (the pattern is refused): backreferences, lookaround, scoped flags, possessive
 * quantifiers, `(?x)`. Only "does it match somewhere" is computed; captures are not needed.
 */
import { FILTER_LIMITS } from './limits.js';

export type CompiledRegex = { readonly test: (subject: string) => boolean };
export type RegexCompileResult = { ok: true; regex: CompiledRegex } | { ok: false; error: string };

type AssertKind = 'bol' | 'eol' | 'begin' | 'end' | 'wordb' | 'nwordb';
type CharTest = (cp: number) => boolean;
type Node =
  | { k: 'set'; test: CharTest }
  | { k: 'assert'; a: AssertKind }
  | { k: 'cat'; items: Node[] }
  | { k: 'alt'; items: Node[] }
  | { k: 'rep'; node: Node; min: number; max: number }
  | { k: 'empty' };
type Ins =
  | { op: 'set'; test: CharTest }
  | { op: 'split'; a: number; b: number }
  | { op: 'jmp'; to: number }
  | { op: 'assert'; a: AssertKind }
  | { op: 'match' };

class RegexSyntaxError extends Error {}

const WORD = /[\p{L}\p{N}_]/u;
const DIGIT = /\p{Nd}/u;
const SPACE = /\s/u;
const isWord = (cp: number) => WORD.test(String.fromCodePoint(cp));
const isDigit = (cp: number) => DIGIT.test(String.fromCodePoint(cp));
const isSpace = (cp: number) => cp !== 0xfeff && SPACE.test(String.fromCodePoint(cp));
const cp0 = (s: string) => s.codePointAt(0)!;

function caseless(test: CharTest): CharTest {
  return (cp) => {
    if (test(cp)) return true;
    const ch = String.fromCodePoint(cp);
    const lo = ch.toLowerCase();
    const up = ch.toUpperCase();
    return (lo.length === ch.length && lo !== ch && test(cp0(lo))) || (up.length === ch.length && up !== ch && test(cp0(up)));
  };
}

class Parser {
  private pos = 0;
  ignoreCase = false;
  multiline = false;
  dotAll = false;
  constructor(private readonly src: string[]) {}

  parse(): Node {
    this.leadingFlags();
    const node = this.alt();
    if (this.pos < this.src.length) throw new RegexSyntaxError(`unbalanced parenthesis at position ${this.pos}`);
    return node;
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private leadingFlags() {
    while (this.peek() === '(' && this.peek(1) === '?' && /[a-zA-Z]/.test(this.peek(2) ?? '')) {
      let i = this.pos + 2;
      let flags = '';
      while (i < this.src.length && /[a-zA-Z]/.test(this.src[i])) flags += this.src[i++];
      if (this.src[i] !== ')') return; // a scoped group like (?i:…); refused in group()
      for (const f of flags) {
        if (f === 'i') this.ignoreCase = true;
        else if (f === 'm') this.multiline = true;
        else if (f === 's') this.dotAll = true;
        else if (f === 'u') continue;
        else throw new RegexSyntaxError(`flag "${f}" is not supported`);
      }
      this.pos = i + 1;
    }
  }

  private alt(): Node {
    const items = [this.cat()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.cat());
    }
    return items.length === 1 ? items[0] : { k: 'alt', items };
  }

  private cat(): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      if (!atom) continue;
      const q = this.quantifier();
      if (q) {
        if (atom.k === 'assert' || atom.k === 'empty') throw new RegexSyntaxError('nothing to repeat');
        if (this.peek() === '?') this.pos++; // lazy: same answer for a yes/no search
        else if (this.peek() === '+') throw new RegexSyntaxError('possessive quantifiers are not supported');
        if (this.quantifierAhead()) throw new RegexSyntaxError('multiple repeat');
        items.push({ k: 'rep', node: atom, min: q.min, max: q.max });
      } else items.push(atom);
    }
    return items.length === 1 ? items[0] : items.length === 0 ? { k: 'empty' } : { k: 'cat', items };
  }

  private quantifierAhead(): boolean {
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?') return true;
    return c === '{' && this.braces(false) !== null;
  }

  /** Parses `{n}`, `{n,}`, `{,m}`, `{n,m}` at pos; anything else is a literal `{`. */
  private braces(consume: boolean): { min: number; max: number } | null {
    let i = this.pos + 1;
    let a = '';
    let b = '';
    while (/[0-9]/.test(this.src[i] ?? '')) a += this.src[i++];
    let comma = false;
    if (this.src[i] === ',') {
      comma = true;
      i++;
      while (/[0-9]/.test(this.src[i] ?? '')) b += this.src[i++];
    }
    if (this.src[i] !== '}' || (a === '' && !comma)) return null;
    const min = a === '' ? 0 : Number(a);
    const max = comma ? (b === '' ? Infinity : Number(b)) : min;
    if (min > FILTER_LIMITS.maxRegexRepeat || (max !== Infinity && max > FILTER_LIMITS.maxRegexRepeat)) {
      throw new RegexSyntaxError(`repeat counts above ${FILTER_LIMITS.maxRegexRepeat} are not supported`);
    }
    if (max < min) throw new RegexSyntaxError('min repeat greater than max repeat');
    if (consume) this.pos = i + 1;
    return { min, max };
  }

  private quantifier(): { min: number; max: number } | null {
    const c = this.peek();
    if (c === '*') return (this.pos++, { min: 0, max: Infinity });
    if (c === '+') return (this.pos++, { min: 1, max: Infinity });
    if (c === '?') return (this.pos++, { min: 0, max: 1 });
    if (c === '{') return this.braces(true);
    return null;
  }

  private lit(cp: number): Node {
    const test: CharTest = (c) => c === cp;
    return { k: 'set', test: this.ignoreCase ? caseless(test) : test };
  }

  private atom(): Node | null {
    const c = this.src[this.pos++];
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        return { k: 'set', test: this.dotAll ? () => true : (cp) => cp !== 10 };
      case '^':
        return { k: 'assert', a: 'bol' };
      case '$':
        return { k: 'assert', a: 'eol' };
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError('nothing to repeat');
      case '{':
        this.pos--;
        if (this.braces(false)) throw new RegexSyntaxError('nothing to repeat');
        this.pos++;
        return this.lit(123);
      default:
        return this.lit(cp0(c));
    }
  }

  private group(): Node | null {
    if (this.peek() === '?') {
      const next = this.peek(1);
      if (next === ':') {
        this.pos += 2;
      } else if (next === 'P' && this.peek(2) === '<') {
        this.pos += 3;
        let name = '';
        while (this.pos < this.src.length && this.peek() !== '>') name += this.src[this.pos++];
        if (this.peek() !== '>' || !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(name)) throw new RegexSyntaxError('bad group name');
        this.pos++;
      } else if (next === '#') {
        while (this.pos < this.src.length && this.peek() !== ')') this.pos++;
        if (this.peek() !== ')') throw new RegexSyntaxError('missing ), unterminated comment');
        this.pos++;
        return null;
      } else if (next === 'P' && this.peek(2) === '=') {
        throw new RegexSyntaxError('backreferences are not supported');
      } else if (next === '=' || next === '!' || next === '<') {
        throw new RegexSyntaxError('lookaround assertions are not supported');
      } else if (next !== undefined && /[a-zA-Z-]/.test(next)) {
        let i = this.pos + 1;
        while (/[a-zA-Z-]/.test(this.src[i] ?? '')) i++;
        if (this.src[i] === ')') throw new RegexSyntaxError('global flags not at the start of the expression');
        throw new RegexSyntaxError('scoped flags (?flags:…) are not supported');
      } else {
        throw new RegexSyntaxError(`unknown extension ?${next ?? ''}`);
      }
    }
    const inner = this.alt();
    if (this.peek() !== ')') throw new RegexSyntaxError('missing ), unterminated subpattern');
    this.pos++;
    return inner;
  }

  private hex(count: number): number {
    let s = '';
    for (let i = 0; i < count; i++) s += this.src[this.pos++] ?? '';
    if (!/^[0-9a-fA-F]+$/.test(s) || s.length !== count) throw new RegexSyntaxError('incomplete escape');
    const v = parseInt(s, 16);
    if (v > 0x10ffff) throw new RegexSyntaxError('bad escape');
    return v;
  }

  /** An escape after `\`: a predicate, an assertion, or (as a number) one code point. */
  private escapeItem(inClass: boolean): CharTest | AssertKind | number {
    const c = this.src[this.pos++];
    if (c === undefined) throw new RegexSyntaxError('bad escape (end of pattern)');
    switch (c) {
      case 'd': return isDigit;
      case 'D': return (cp) => !isDigit(cp);
      case 'w': return isWord;
      case 'W': return (cp) => !isWord(cp);
      case 's': return isSpace;
      case 'S': return (cp) => !isSpace(cp);
      case 'n': return 10;
      case 't': return 9;
      case 'r': return 13;
      case 'f': return 12;
      case 'v': return 11;
      case 'a': return 7;
      case 'x': return this.hex(2);
      case 'u': return this.hex(4);
      case 'U': return this.hex(8);
      case '0': {
        let v = 0;
        for (let i = 0; i < 2 && /[0-7]/.test(this.peek() ?? ''); i++) v = v * 8 + Number(this.src[this.pos++]);
        return v;
      }
    }
    if (inClass && c === 'b') return 8;
    if (!inClass) {
      if (c === 'b') return 'wordb';
      if (c === 'B') return 'nwordb';
      if (c === 'A') return 'begin';
      if (c === 'Z') return 'end';
    }
    if (/[1-9]/.test(c)) throw new RegexSyntaxError('backreferences are not supported');
    if (/[a-zA-Z]/.test(c)) throw new RegexSyntaxError(`bad escape \\${c}`);
    return cp0(c);
  }

  private escape(): Node {
    const item = this.escapeItem(false);
    if (typeof item === 'number') return this.lit(item);
    if (typeof item === 'string') return { k: 'assert', a: item };
    return { k: 'set', test: item };
  }

  private charClass(): Node {
    let negate = false;
    if (this.peek() === '^') {
      negate = true;
      this.pos++;
    }
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      if (this.pos >= this.src.length) throw new RegexSyntaxError('unterminated character set');
      const c = this.src[this.pos];
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const lo = this.classItem();
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.pos++;
        const hi = this.classItem();
        if (typeof lo !== 'number' || typeof hi !== 'number') throw new RegexSyntaxError('bad character range');
        if (hi < lo) throw new RegexSyntaxError('bad character range');
        tests.push((cp) => cp >= lo && cp <= hi);
      } else {
        tests.push(typeof lo === 'number' ? (cp) => cp === lo : lo);
      }
    }
    let test: CharTest = (cp) => tests.some((t) => t(cp));
    if (this.ignoreCase) test = caseless(test);
    return { k: 'set', test: negate ? (cp) => !test(cp) : test };
  }

  /** One class member: a code point, or a predicate for `\d`-style escapes. */
  private classItem(): number | CharTest {
    const c = this.src[this.pos++];
    if (c !== '\\') return cp0(c);
    const item = this.escapeItem(true);
    if (typeof item === 'string') throw new RegexSyntaxError('bad escape in character set');
    return item;
  }
}

function compileNode(root: Node): Ins[] {
  const prog: Ins[] = [];
  const push = (ins: Ins) => {
    if (prog.length >= FILTER_LIMITS.maxRegexProgram) throw new RegexSyntaxError('pattern too complex');
    prog.push(ins);
    return prog.length - 1;
  };
  const emit = (n: Node): void => {
    switch (n.k) {
      case 'set': push({ op: 'set', test: n.test }); return;
      case 'assert': push({ op: 'assert', a: n.a }); return;
      case 'empty': return;
      case 'cat': n.items.forEach(emit); return;
      case 'alt': {
        const jumps: number[] = [];
        n.items.forEach((item, i) => {
          if (i < n.items.length - 1) {
            const split = push({ op: 'split', a: 0, b: 0 });
            (prog[split] as { a: number }).a = split + 1;
            emit(item);
            jumps.push(push({ op: 'jmp', to: 0 }));
            (prog[split] as { b: number }).b = prog.length;
          } else emit(item);
        });
        for (const j of jumps) (prog[j] as { to: number }).to = prog.length;
        return;
      }
      case 'rep': {
        for (let i = 0; i < n.min; i++) emit(n.node);
        if (n.max === Infinity) {
          const split = push({ op: 'split', a: 0, b: 0 });
          emit(n.node);
          push({ op: 'jmp', to: split });
          prog[split] = { op: 'split', a: split + 1, b: prog.length };
        } else {
          const splits: number[] = [];
          for (let i = n.min; i < n.max; i++) {
            splits.push(push({ op: 'split', a: 0, b: 0 }));
            emit(n.node);
          }
          for (const s of splits) prog[s] = { op: 'split', a: s + 1, b: prog.length };
        }
        return;
      }
    }
  };
  emit(root);
  push({ op: 'match' });
  return prog;
}

function makeMatcher(prog: Ins[], multiline: boolean): CompiledRegex {
  return {
    test(subject: string): boolean {
      const cps = Array.from(subject, cp0);
      const n = cps.length;
      const mark = new Int32Array(prog.length);
      let gen = 0;
      const holds = (a: AssertKind, i: number): boolean => {
        switch (a) {
          case 'begin': return i === 0;
          case 'end': return i === n;
          case 'bol': return i === 0 || (multiline && cps[i - 1] === 10);
          case 'eol': return multiline ? i === n || cps[i] === 10 : i === n || (i === n - 1 && cps[i] === 10);
          case 'wordb':
          case 'nwordb': {
            const b = (i > 0 && isWord(cps[i - 1])) !== (i < n && isWord(cps[i]));
            return a === 'wordb' ? b : !b;
          }
        }
      };
      const stack: number[] = [];
      /** Adds pc's closure at position i to list; true when it reaches `match`. */
      const add = (list: number[], start: number, i: number): boolean => {
        stack.push(start);
        while (stack.length) {
          const pc = stack.pop()!;
          if (mark[pc] === gen) continue;
          mark[pc] = gen;
          const ins = prog[pc];
          switch (ins.op) {
            case 'match': stack.length = 0; return true;
            case 'jmp': stack.push(ins.to); break;
            case 'split': stack.push(ins.b, ins.a); break;
            case 'assert': if (holds(ins.a, i)) stack.push(pc + 1); break;
            case 'set': list.push(pc); break;
          }
        }
        return false;
      };
      gen++;
      let clist: number[] = [];
      if (add(clist, 0, 0)) return true;
      for (let i = 0; i < n; i++) {
        gen++;
        const nlist: number[] = [];
        const c = cps[i];
        for (const pc of clist) {
          const ins = prog[pc] as { op: 'set'; test: CharTest };
          if (ins.test(c) && add(nlist, pc + 1, i + 1)) return true;
        }
        if (add(nlist, 0, i + 1)) return true;
        clist = nlist;
      }
      return false;
    },
  };
}

const cache = new Map<string, RegexCompileResult>();

/** Compiles a Python-style pattern for unanchored search. Results are cached. */
export function compileSafeRegex(pattern: string): RegexCompileResult {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let result: RegexCompileResult;
  const chars = Array.from(pattern);
  if (chars.length > FILTER_LIMITS.maxRegexLength) {
    result = { ok: false, error: `regex is longer than ${FILTER_LIMITS.maxRegexLength} characters` };
  } else {
    try {
      const parser = new Parser(chars);
      const prog = compileNode(parser.parse());
      result = { ok: true, regex: makeMatcher(prog, parser.multiline) };
    } catch (e) {
      if (!(e instanceof RegexSyntaxError)) throw e;
      result = { ok: false, error: e.message };
    }
  }
  if (cache.size >= 500) cache.clear();
  cache.set(pattern, result);
  return result;
}

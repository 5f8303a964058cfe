/**
 * The `pattern` operator: Python `fnmatch.fnmatchcase` (what `fnmatch` does on Linux).
 * Whole-string, case-sensitive; `*` matches any run (including `/` and newlines), `?` one
 * character, `[seq]` / `[!seq]` a set (a `]` right after `[` or `[!` is a member, `^` is not a
 * negation, a reversed range matches nothing, an unclosed `[` is a literal). Matching is
 * O(pattern × subject) with the single-backtrack-point algorithm, whatever the pattern.
 */
type Token = { star: true } | { star: false; test: (cp: number) => boolean };

const cache = new Map<string, Token[]>();

function tokenize(pattern: string): Token[] {
  const p = Array.from(pattern, (c) => c.codePointAt(0)!);
  const tokens: Token[] = [];
  const OPEN = 91, CLOSE = 93, BANG = 33, DASH = 45;
  for (let i = 0; i < p.length; ) {
    const c = p[i++];
    if (c === 42) {
      if (!(tokens.length && tokens[tokens.length - 1].star)) tokens.push({ star: true });
    } else if (c === 63) {
      tokens.push({ star: false, test: () => true });
    } else if (c === OPEN) {
      let j = i;
      if (p[j] === BANG) j++;
      if (p[j] === CLOSE) j++;
      while (j < p.length && p[j] !== CLOSE) j++;
      if (j >= p.length) {
        tokens.push({ star: false, test: (x) => x === OPEN });
        continue;
      }
      let body = p.slice(i, j);
      i = j + 1;
      const negate = body[0] === BANG;
      if (negate) body = body.slice(1);
      const parts: Array<(x: number) => boolean> = [];
      for (let k = 0; k < body.length; ) {
        if (k + 2 < body.length && body[k + 1] === DASH) {
          const lo = body[k], hi = body[k + 2];
          if (lo <= hi) parts.push((x) => x >= lo && x <= hi);
          k += 3;
        } else {
          const v = body[k++];
          parts.push((x) => x === v);
        }
      }
      const inSet = (x: number) => parts.some((t) => t(x));
      tokens.push({ star: false, test: negate ? (x) => !inSet(x) : inSet });
    } else {
      tokens.push({ star: false, test: (x) => x === c });
    }
  }
  return tokens;
}

export function globMatch(subject: string, pattern: string): boolean {
  let tokens = cache.get(pattern);
  if (!tokens) {
    tokens = tokenize(pattern);
    if (cache.size >= 500) cache.clear();
    cache.set(pattern, tokens);
  }
  const s = Array.from(subject, (c) => c.codePointAt(0)!);
  let ti = 0, si = 0, starT = -1, starS = 0;
  while (si < s.length) {
    const t = tokens[ti];
    if (t && !t.star && t.test(s[si])) {
      ti++;
      si++;
    } else if (t && t.star) {
      starT = ti++;
      starS = si;
    } else if (starT >= 0) {
      ti = starT + 1;
      si = ++starS;
    } else return false;
  }
  while (ti < tokens.length && tokens[ti].star) ti++;
  return ti === tokens.length;
}

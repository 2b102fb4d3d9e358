// Shows device-supplied strings inside explanations: short, quoted, control and bidi characters escaped.
// Device strings are attacker-controlled and end up in the admin console and logs.

/** Longest piece of a device string shown in an explanation. */
const SHOWN = 120;

/** C0/C1 controls, zero-width and bidi controls (which can make a string read differently), BOM. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** "abc" -> 'abc'; unsafe characters become \xNN / \uNNNN; long strings end in "…(10240 chars)". */
export function quote(s: string): string {
  // Do not cut a surrogate pair in half.
  const end = /[\ud800-\udbff]/.test(s[SHOWN - 1] ?? '') ? SHOWN - 1 : SHOWN;
  const cut = s.length > SHOWN ? s.slice(0, end) : s;
  const clean = cut.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
  return s.length > SHOWN ? `'${clean}…(${s.length} chars)'` : `'${clean}'`;
}

/** A version as reported: bare when it looks like one ("1.0.3", "2023.10.15.574367440.Release"), else quoted. */
export function showVersion(v: string): string {
  return /^[\w.+-]{1,40}$/.test(v) ? v : quote(v);
}

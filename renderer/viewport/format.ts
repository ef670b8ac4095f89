// DICOM values as people read them: person names (PN) and dates (DA).

/**
 * "DOE^JOHN^A^DR^JR" → "DOE, DR JOHN A, JR"; "^^^^" → ""; a name without components is kept as it is. Only the
 * first (alphabetic) group of a multi-group name is shown; case is left as written (it may carry meaning).
 */
export function formatPersonName(pn: string | null | undefined): string {
  const alphabetic = (pn ?? '').split('=')[0] ?? '';
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = alphabetic.split('^').map((s) => s.trim().replace(/\s+/g, ' '));
  const rest = [prefix, given, middle].filter(Boolean).join(' ');
  let out = [family, rest].filter(Boolean).join(', ');
  if (suffix) out = out ? `${out}, ${suffix}` : suffix;
  return out;
}

/** "20000101" (or the old "2000.01.01") → "2000-01-01"; empty → ""; anything that is not a real date is shown as given. */
export function formatDicomDate(da: string | null | undefined): string {
  const s = (da ?? '').trim();
  const m = /^(\d{4})\.?(\d{2})\.?(\d{2})$/.exec(s);
  if (!m) return s;
  const [, y, mo, d] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const real = date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(mo) - 1 && date.getUTCDate() === Number(d);
  return real ? `${y}-${mo}-${d}` : s;
}

// Size limits on what a client sends, each measured one way: text in UTF-8 bytes (what crosses the
// wire and what the messages say), lists in items. The hosts check them before relaying and the
// engine checks them again.

/** The largest lab file text a request may carry. */
export const MAX_LAB_TEXT_BYTES = 1 << 20;
/** The longest lab file name (a label only; PATH_MAX). */
export const MAX_FILE_NAME_BYTES = 4096;
/** The most canvas actions one request may carry. */
export const MAX_ACTIONS = 10_000;
/** The largest message a client may send: room for a lab text at its limit written as a JSON
 *  string (quotes, backslashes and newlines take two bytes there) and for MAX_ACTIONS actions. */
export const MAX_CLIENT_MESSAGE_BYTES = 4 << 20;

/** The length of `s` in UTF-8 bytes (a lone surrogate counts 3, as it is sent as U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** Whether `s` is longer than `max` UTF-8 bytes (counting only when the answer is not plain from
 *  its length: each UTF-16 unit is 1 to 3 bytes). */
export function overBytes(s: string, max: number): boolean {
  if (s.length > max) return true;
  if (s.length * 3 <= max) return false;
  return utf8Length(s) > max;
}

// How the packet details write a packet: its bytes as a hex dump, its kernel timestamp.

/** One line of a hex dump: 16 bytes, offset, hex in two groups of 8, printable ASCII. */
export interface HexLine { offset: string; hex: string; ascii: string }

export function hexDump(bytes: Uint8Array): HexLine[] {
  const out: HexLine[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    let hex = '', ascii = '';
    for (let i = 0; i < 16; i++) {
      if (i === 8) hex += ' ';
      if (at + i < bytes.length) {
        const b = bytes[at + i];
        hex += b.toString(16).padStart(2, '0') + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hex += '   ';
    }
    out.push({ offset: at.toString(16).padStart(4, '0'), hex: hex.trimEnd(), ascii });
  }
  return out;
}

/** A kernel timestamp (ms since the epoch with a fraction) as UTC date and time to the microsecond. */
export function utcMicros(t: number): string {
  const secs = Math.floor(t / 1000);
  const micros = Math.min(999_999, Math.round((t - secs * 1000) * 1000));
  return `${new Date(secs * 1000).toISOString().slice(0, 19).replace('T', ' ')}.${String(micros).padStart(6, '0')} UTC`;
}

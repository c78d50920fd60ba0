// The rules every interface, namespace and lab name a client sends must follow. The engine checks
// them (lab files, canvas actions); the renderer shows the same checks inline. Each *Error function
// returns what is wrong, or null.

/** Linux IFNAMSIZ is 16 including the NUL: an interface name has at most 15 characters. */
export const IFNAME_MAX = 15;
/** Labs name their namespaces; keep them short and free of ':' (our NAMESPACE:IFNAME separator). */
export const NSNAME_MAX = 64;
export const LABNAME_MAX = 40;

// Letters, digits, '_', '.', '-'; not starting with '.' or '-' (the kernel allows more, but `ip`
// parses '@' and ':' specially, and names with spaces or '/' break `ip` and sysfs).
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function ifnameError(name: string): string | null {
  if (name.length === 0) return 'an interface name cannot be empty';
  if (name.length > IFNAME_MAX) return `'${name}' is ${name.length} characters long; interface names have at most ${IFNAME_MAX} (IFNAMSIZ)`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid interface name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

export function nsnameError(name: string): string | null {
  if (name.length === 0) return 'a namespace name cannot be empty';
  if (name.length > NSNAME_MAX) return `'${name}' is ${name.length} characters long; namespace names have at most ${NSNAME_MAX}`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid namespace name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

export function labnameError(name: string): string | null {
  if (name.length === 0) return 'the lab name cannot be empty';
  if (name.length > LABNAME_MAX) return `'${name}' is ${name.length} characters long; lab names have at most ${LABNAME_MAX}`;
  if (!NAME_RE.test(name)) return `'${name}' is not a valid lab name (letters, digits, '_', '.', '-'; not starting with '.' or '-')`;
  return null;
}

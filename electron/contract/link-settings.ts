// The rules for a link's MAC address and MTU, shared by the engine's checks and the renderer's.

export function macError(mac: string): string | null {
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(mac)) return `'${mac}' is not a MAC address (six hex pairs separated by ':')`;
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) return `'${mac}' is a multicast MAC address; an interface needs a unicast one (first byte even)`;
  if (/^00(:00){5}$/.test(mac)) return `'${mac}' is the all-zero MAC address`;
  return null;
}

export const MTU_MIN = 68;
export const MTU_MAX = 65535;

// `ip` for tests that set up or read the throwaway world: argv arrays only (never a shell string);
// a failure throws with ip's own stderr in the message.
import { execFileSync } from 'node:child_process';

export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `ip -j ARGS` parsed (ip prints nothing at all for an empty list: that is []). */
export function ipJson<T = any>(...args: string[]): T {
  const out = ip('-j', ...args);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

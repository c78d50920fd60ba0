// A large lab for crash and bench runs: N namespaces, each with eth0 (an address) on one bridge.
export function bigLab(name: string, n: number, bridge = 'br-big'): string {
  const lines = [`name: ${name}`, 'namespaces:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  ${name}-${i}:`, '    interfaces:', `      eth0: { addresses: [10.${100 + Math.floor(i / 250)}.${i % 250}.2/8] }`);
  }
  lines.push('bridges:', `  ${bridge}: { addresses: [10.0.0.1/8] }`, 'veths:');
  for (let i = 0; i < n; i++) lines.push(`  - [${name}-${i}:eth0, ${bridge}]`);
  return `${lines.join('\n')}\n`;
}

// The packet decoder (electron/contract/packet-summary.ts) on real packets: ARP, ICMP, ICMPv6 (echo,
// neighbour discovery), UDP, DNS, DHCP, TCP and VXLAN made between the lab's containers, captured,
// and each packet's decode compared field by field with tshark's reading of the same pcapng.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { describeKernel } from '../helpers/world';
import { Engine } from '../../electron/engine';
import { CaptureManager } from '../../electron/capture/manager';
import type { CaptureSession, HeldPacket } from '../../electron/capture/session';
import { decodePacket, type PacketLayer } from '../../electron/contract';
import { ip } from '../helpers/ip';
import { iface, nsOfPid } from '../helpers/model-lookup';
import { buildCaptureLab, inPidNs, tsharkFields, type CaptureLab } from '../helpers/capture-lab';

const PY_UDP = 'import socket,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET,socket.SO_BROADCAST,1); s.bind(("0.0.0.0",int(sys.argv[3]))); s.sendto(bytes.fromhex(sys.argv[4]),(sys.argv[1],int(sys.argv[2])))';
const PY_TCP_SERVER = 'import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(("0.0.0.0",8080)); s.listen(); print("ready",flush=True); c,_=s.accept(); c.recv(100); c.close()';
const PY_TCP_CLIENT = 'import socket; c=socket.create_connection(("10.77.0.2",8080)); c.sendall(b"hi"); c.close()';

// A DNS query for example.test A, id 0x1234, recursion desired.
const DNS_QUERY = '12340100000100000000000007' + Buffer.from('example').toString('hex') + '04' + Buffer.from('test').toString('hex') + '0000010001';
// A DHCP Discover: op 1, htype 1, hlen 6, xid 0xdeadbeef, chaddr 02:00:00:00:00:01, magic cookie, option 53 = 1, end.
const DHCP_DISCOVER = '01010600deadbeef' + '00'.repeat(20) + '020000000001' + '00'.repeat(10) + '00'.repeat(192) + '63825363' + '350101' + 'ff';

describeKernel('capture: the packet decoder against tshark', () => {
  let e: Engine;
  let lab: CaptureLab;
  let m: CaptureManager;
  let server: ChildProcess | null = null;

  beforeAll(async () => {
    e = await Engine.start({ sampleHz: 1 });
    lab = await buildCaptureLab();
    for (const [c, me, other] of [[lab.c1, 1, 2], [lab.c2, 2, 1]] as const) {
      ip({ pid: c.pid }, 'link', 'add', 'vx42', 'type', 'vxlan', 'id', '42', 'remote', `10.77.0.${other}`, 'dstport', '4789', 'dev', 'eth0');
      ip({ pid: c.pid }, 'addr', 'add', `192.168.42.${me}/24`, 'dev', 'vx42');
      ip({ pid: c.pid }, 'link', 'set', 'vx42', 'up');
    }
    await e.waitFor((x) => iface(nsOfPid(x, lab.c1.pid), 'eth0')?.state === 'up' && iface(nsOfPid(x, lab.c2.pid), 'eth0')?.state === 'up');
    m = new CaptureManager(e);
  });
  afterAll(async () => {
    server?.kill('SIGKILL');
    m?.close();
    lab?.close();
    await e?.stop();
  });

  it('decodes every packet as tshark does, and summarizes it in one line', async () => {
    const eth0 = iface(nsOfPid(e.model(), lab.c1.pid), 'eth0')!.id;
    const info = await m.start({ interfaces: [eth0] });
    const s = (m as unknown as { sessions: Map<string, CaptureSession> }).sessions.get(info.id)!;
    const got: HeldPacket[] = [];
    s.on('packets', (p) => got.push(...p));
    const c1 = lab.c1.pid;
    inPidNs(c1, 'ip', 'neigh', 'flush', 'dev', 'eth0');
    inPidNs(c1, 'ping', '-n', '-c', '2', '-i', '0.2', '-W', '2', '10.77.0.2');
    inPidNs(c1, 'ping', '-n', '-6', '-c', '1', '-W', '2', 'fd77::2');
    inPidNs(c1, 'python3', '-c', PY_UDP, '10.77.0.2', '5000', '40000', Buffer.from('hello').toString('hex'));
    inPidNs(c1, 'python3', '-c', PY_UDP, '10.77.0.2', '53', '40001', DNS_QUERY);
    inPidNs(c1, 'python3', '-c', PY_UDP, '10.77.0.255', '67', '68', DHCP_DISCOVER);
    server = spawn('nsenter', ['-t', String(lab.c2.pid), '-n', 'python3', '-c', PY_TCP_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => server!.stdout!.once('data', () => r()));
    inPidNs(c1, 'python3', '-c', PY_TCP_CLIENT);
    inPidNs(c1, 'ping', '-n', '-c', '1', '-W', '2', '192.168.42.2');
    await new Promise((r) => setTimeout(r, 300));
    m.stop(info.id);

    const F = ['eth.src', 'eth.dst', 'arp.opcode', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst',
      'icmp.type', 'icmp.ident', 'icmp.seq', 'icmpv6.type', 'icmpv6.nd.ns.target_address', 'icmpv6.nd.na.target_address',
      'tcp.srcport', 'tcp.dstport', 'tcp.flags', 'udp.srcport', 'udp.dstport', 'dns.qry.name', 'dhcp.option.dhcp', 'vxlan.vni', '_ws.col.Protocol'];
    const rows = tsharkFields(s.file, F, undefined, true);
    expect(rows.length).toBe(got.length);
    const all = (layers: PacketLayer[], layer: string, field: string) =>
      layers.filter((l) => l.name === layer).map((l) => l.fields.find((f) => f.name === field)?.value ?? '').filter(Boolean);
    const num = (v: string) => v.split(' ')[0];
    const ours: Record<string, (l: PacketLayer[]) => string[]> = {
      'eth.src': (l) => all(l, 'Ethernet', 'source'), 'eth.dst': (l) => all(l, 'Ethernet', 'destination'),
      'arp.opcode': (l) => all(l, 'ARP', 'opcode'), 'arp.src.proto_ipv4': (l) => all(l, 'ARP', 'sender IP'), 'arp.dst.proto_ipv4': (l) => all(l, 'ARP', 'target IP'),
      'ip.src': (l) => all(l, 'IPv4', 'source'), 'ip.dst': (l) => all(l, 'IPv4', 'destination'),
      'ipv6.src': (l) => all(l, 'IPv6', 'source'), 'ipv6.dst': (l) => all(l, 'IPv6', 'destination'),
      'icmp.type': (l) => all(l, 'ICMP', 'type').map(num), 'icmp.ident': (l) => all(l, 'ICMP', 'identifier'), 'icmp.seq': (l) => all(l, 'ICMP', 'sequence'),
      'icmpv6.type': (l) => all(l, 'ICMPv6', 'type').map(num),
      'icmpv6.nd.ns.target_address': (l) => (all(l, 'ICMPv6', 'type').map(num)[0] === '135' ? all(l, 'ICMPv6', 'target') : []),
      'icmpv6.nd.na.target_address': (l) => (all(l, 'ICMPv6', 'type').map(num)[0] === '136' ? all(l, 'ICMPv6', 'target') : []),
      'tcp.srcport': (l) => all(l, 'TCP', 'source port'), 'tcp.dstport': (l) => all(l, 'TCP', 'destination port'),
      'tcp.flags': (l) => all(l, 'TCP', 'flags').map((v) => `0x0${v.slice(4, 6)}`.replace(/^0x0/, '0x00')),
      'udp.srcport': (l) => all(l, 'UDP', 'source port'), 'udp.dstport': (l) => all(l, 'UDP', 'destination port'),
      'dns.qry.name': (l) => all(l, 'DNS', 'query').map((q) => q.split(' ')[0]),
      'dhcp.option.dhcp': (l) => all(l, 'DHCP', 'message type').map((v) => /\((\d+)\)/.exec(v)![1]),
      'vxlan.vni': (l) => all(l, 'VXLAN', 'vni'),
    };
    const seen = new Set<string>();
    got.forEach((p, k) => {
      const d = decodePacket(p.data, 'ethernet');
      F.forEach((f, j) => {
        if (f === '_ws.col.Protocol') return;
        const theirs = rows[k][j] ? rows[k][j].split('|') : [];
        expect(ours[f](d.layers), `packet ${k + 1} (${d.summary.protocol} ${d.summary.info}) field ${f}`).toEqual(theirs);
      });
      const proto = rows[k][F.length - 1];
      if (!d.layers.some((l) => l.name === 'VXLAN')) expect(d.summary.protocol, `packet ${k + 1} protocol`).toBe(proto);
      seen.add(d.summary.protocol);
    });
    expect([...seen].sort()).toEqual(expect.arrayContaining(['ARP', 'DHCP', 'DNS', 'ICMP', 'ICMPv6', 'TCP', 'UDP', 'VXLAN']));

    const lines = got.map((p) => decodePacket(p.data, 'ethernet').summary);
    const has = (re: RegExp) => expect(lines.some((x) => re.test(`${x.src} → ${x.dst} ${x.protocol} ${x.info}`)), String(re)).toBe(true);
    has(/ARP who-has 10\.77\.0\.2 tell 10\.77\.0\.1/);
    has(/ARP 10\.77\.0\.2 is-at [0-9a-f:]{17}/);
    has(/^10\.77\.0\.1 → 10\.77\.0\.2 ICMP echo request id \d+ seq 1$/);
    has(/ICMP echo reply id \d+ seq 2/);
    has(/ICMPv6 neighbor solicitation who-has fd77::2/);
    has(/ICMPv6 neighbor advertisement fd77::2 is-at [0-9a-f:]{17}/);
    has(/^fd77::1 → fd77::2 ICMPv6 echo request/);
    has(/UDP 40000 → 5000 len 5/);
    has(/DNS query 0x1234 A example\.test/);
    has(/DHCP DHCP Discover xid 0xdeadbeef/);
    has(/TCP \d+ → 8080 \[SYN\]/);
    has(/TCP 8080 → \d+ \[SYN, ACK\]/);
    has(/VXLAN vni 42: 192\.168\.42\.1 → 192\.168\.42\.2 ICMP echo request/);
  });
});

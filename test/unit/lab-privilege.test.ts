// The up-front privilege check of lab runs: which capabilities are missing, said plainly.
import { expect, test } from 'vitest';
import { labPrivilegeError, missingLabCaps } from '../../electron/labs/privilege';

const NET_ADMIN = 1n << 12n;
const SYS_ADMIN = 1n << 21n;

test('both capabilities: allowed; each missing one is named', () => {
  expect(labPrivilegeError('lab apply', NET_ADMIN | SYS_ADMIN)).toBeNull();
  expect(labPrivilegeError('lab apply', 0x1ffffffffffn)).toBeNull();
  expect(labPrivilegeError('lab apply', 0n)).toBe('lab apply needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): run it with sudo (missing: CAP_NET_ADMIN, CAP_SYS_ADMIN)');
  expect(missingLabCaps(NET_ADMIN)).toEqual(['CAP_SYS_ADMIN']);
  expect(missingLabCaps(SYS_ADMIN)).toEqual(['CAP_NET_ADMIN']);
});

import { describe, expect, it } from 'vitest';
import { hostAllowed, parseHostHeader } from './host-check.ts';

const allowed = (host: string | undefined, boundHost = '127.0.0.1') => hostAllowed({ host, port: 6070, boundHost });

describe('hostAllowed', () => {
  it('lets through IP addresses, localhost names and the bound name, with the server port', () => {
    for (const host of ['127.0.0.1:6070', 'localhost:6070', 'LOCALHOST:6070', 'app.localhost:6070', '[::1]:6070']) {
      expect(allowed(host), host).toBe(true);
    }
    expect(allowed('192.168.1.5:6070', '0.0.0.0')).toBe(true);
    expect(allowed('box.lan:6070', 'box.lan')).toBe(true);
    expect(allowed(undefined)).toBe(true);
  });

  it('refuses a name DNS rebinding would send, a wrong port, and headers that are no host', () => {
    for (const host of [
      'evil.example:6070',
      'evil.example',
      '127.0.0.1.nip.io:6070',
      'localhost:6071',
      'localhost',
      '127.0.0.1:80',
      'box.lan:6070',
      'localhost:6070:1',
      'a b:6070',
      '',
      '[::1',
      'user@localhost:6070',
    ]) {
      expect(allowed(host), host).toBe(false);
    }
    expect(hostAllowed({ host: 'localhost', port: 80, boundHost: '127.0.0.1' })).toBe(true);
  });

  it('parses IPv6 and trailing dots', () => {
    expect(parseHostHeader('[::1]:8080')).toEqual({ hostname: '::1', port: 8080 });
    expect(parseHostHeader('LocalHost.:1')).toEqual({ hostname: 'localhost', port: 1 });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackboneError } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { GrpcBackbone } from './grpc-backbone.ts';
import { serveBackbone } from './serve-backbone.ts';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Needs the openssl command to make a throwaway self-signed certificate for 127.0.0.1.
describe.skipIf(!hasOpenssl())('TLS', () => {
  it('serves and calls over TLS with a given root certificate, and refuses a plaintext client', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-tls-'));
    try {
      const keyPath = join(folder, 'key.pem');
      const certPath = join(folder, 'cert.pem');
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
          ...['-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=localhost'],
          ...['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(certPath);
      const server = await serveBackbone({
        backbone: new RecordingBackbone(),
        host: '127.0.0.1',
        port: 0,
        tls: { key: readFileSync(keyPath), cert },
      });
      const secure = new GrpcBackbone({ address: server.address, tls: { rootCert: cert }, deadlineMs: 5_000 });
      expect((await secure.getInfo()).model).toBe('recording');
      const plaintext = new GrpcBackbone({ address: server.address, deadlineMs: 2_000, retries: 0 });
      const error = await plaintext.getInfo().then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(BackboneError);
      await secure.close();
      await plaintext.close();
      await server.shutdown({ graceMs: 1_000 });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

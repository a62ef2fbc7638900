// The null backend in a process of its own (bench/orchestrator.ts with ORCHESTRATOR_SERVER=process): prints its
// address, serves until stdin closes.
import { serveBackbone } from '@ajet/backbone-grpc';
import { nullBackbone } from './null-backbone.ts';

const server = await serveBackbone({ backbone: nullBackbone(), host: '127.0.0.1', port: 0 });
console.log(server.address);
process.stdin.resume();
process.stdin.on('end', () => {
  server.shutdown({ graceMs: 1_000 }).then(() => process.exit(0));
});

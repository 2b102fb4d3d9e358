// Provision throughput over loopback: N simulated phones (the client library) run the full
// two-phase Provision against a separate server process (SQLite store, per-device throttle lifted). Reports requests/second.
import { EasClient } from '../src/client/index.js';
import { printRows, row, startServerProcess } from './lib.js';
import type { BenchRow } from './lib.js';

export async function benchProvision(
  o: { devices?: number; seconds?: number; rounds?: number } = {},
): Promise<BenchRow[]> {
  const devices = o.devices ?? 32;
  const seconds = o.seconds ?? 3;
  const rounds = o.rounds ?? 5;
  // Each simulated phone loops far above the per-device throttle (20 req/s), which would measure
  // the throttle: bench/server-main.ts is the same server with it lifted.
  const server = await startServerProcess([], { unthrottled: true });
  try {
    const phones = Array.from(
      { length: devices },
      (_, i) =>
        new EasClient({
          baseUrl: server.url,
          username: 'demo',
          password: server.demoPassword,
          deviceId: `BENCH${String(i).padStart(6, '0')}`,
          deviceType: 'iPhone',
          protocolVersion: '16.1',
          userAgent: 'Apple-iPhone15C3/2201.100',
          deviceInformation: { Model: 'iPhone15C3', OS: 'iOS 18.1 22B83' },
        }),
    );
    // Warm-up: first contact creates the associations and fills the login cache.
    await Promise.all(phones.map((p) => p.provision()));
    const reqPerSec: number[] = [];
    const flowMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let requests = 0;
      const latencies: number[] = [];
      const end = performance.now() + seconds * 1000;
      const start = performance.now();
      await Promise.all(
        phones.map(async (p) => {
          while (performance.now() < end) {
            const t0 = performance.now();
            const out = await p.provision();
            if (!out.finalKey) throw new Error(`provision failed: ${JSON.stringify(out)}`);
            latencies.push(performance.now() - t0);
            requests += 2;
          }
        }),
      );
      reqPerSec.push(requests / ((performance.now() - start) / 1000));
      latencies.sort((a, b) => a - b);
      flowMs.push(latencies[Math.floor(latencies.length / 2)] ?? 0);
    }
    return [
      row(`Provision requests/s (${devices} phones, download+ack, SQLite)`, 'req/s', reqPerSec),
      row(`Provision flow latency p50 (${devices} concurrent)`, 'ms', flowMs),
    ];
  } finally {
    server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printRows('Provision over loopback', await benchProvision());
}

// The fake provider of bench/lib.mjs in its own process, so the app's process (whose CPU and
// memory the bench measures) does not also serve the provider. Started by the benches with fork():
// reports { url } over IPC, answers { stats: true } with its counters, exits with its parent.
import { startFakeProvider } from './lib.mjs';

if (!process.send) throw new Error('provider-process.mjs is started by the benches (needs an IPC channel)');
const provider = await startFakeProvider({ delayMs: Number(process.env.BENCH_PROVIDER_DELAY_MS ?? 100) });
process.on('message', (m) => m?.stats && process.send({ stats: provider.stats }));
process.on('disconnect', () => void provider.close().finally(() => process.exit(0)));
setTimeout(() => process.exit(2), 20 * 60_000).unref(); // never outlive a bench
process.send({ url: provider.url });

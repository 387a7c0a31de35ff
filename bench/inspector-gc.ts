import { WebSocket } from 'undici';

/**
 * The V8 heap a hub process still uses after a full garbage collection, forced from outside through
 * its inspector: SIGUSR1 opens the inspector on the process's `--inspect-port` (loopback; the bench
 * starts every hub process with a port of its own), then `HeapProfiler.collectGarbage` runs twice
 * and `process.memoryUsage().heapUsed` is read. Unlike RSS or a heap sample, which follow the
 * young-generation saw-tooth and whatever the load has in flight, this is only what is reachable:
 * the figure a leak makes grow.
 */
export async function liveHeapAfterGc(pid: number, inspectPort: number): Promise<number> {
  process.kill(pid, 'SIGUSR1');
  const target = await inspectorTarget(inspectPort);
  const ws = new WebSocket(target);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error(`inspector of ${pid} refused the connection`)));
    });
    let next = 0;
    const call = (method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
      const id = ++next;
      const onMessage = (event: { data: unknown }): void => {
        const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (message.id !== id) return;
        ws.removeEventListener('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      };
      ws.addEventListener('message', onMessage);
      ws.send(JSON.stringify({ id, method, params }));
    });
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const { result } = await call('Runtime.evaluate', { expression: 'process.memoryUsage().heapUsed', returnByValue: true }) as { result: { value: number } };
    return result.value;
  } finally {
    ws.close();
  }
}

/** The inspector's WebSocket URL, once it listens (SIGUSR1 opens it within a moment). */
async function inspectorTarget(port: number): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
      if (list[0]) return list[0].webSocketDebuggerUrl;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`no inspector on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

import type { FastifyInstance } from 'fastify';

/**
 * Every route the app registered, as `METHOD /path`, read from Fastify's own route tree
 * (`printRoutes({ commonPrefix: false })`: one node a line, two-character branch marks at depth × 4,
 * each node's path relative to its parent, its methods in parentheses).
 */
export function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = /^((?:[│ ] {3})*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!node) continue;
    const depth = node[1]!.length / 4;
    stack.length = depth;
    stack.push(node[2]!);
    for (const method of node[3]?.split(', ') ?? []) routes.push(`${method} ${stack.join('')}`);
  }
  return routes.sort();
}

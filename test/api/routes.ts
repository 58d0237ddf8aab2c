
/** One route the express app serves: its method and its path as Express writes it (`/cases/:reference`). */
export type MountedRoute = { method: string; path: string };

type Layer = { name?: string; rawPath?: string; route?: { path: string | string[]; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/**
 * Every route mounted in the hotline's express app, found by walking its router stack (routes inside
 * routers inside routers, each mount path added in front): what the server really answers, not what a
 * list says it does.
 */
export function mountedRoutes(app: object): MountedRoute[] {
  const { stack } = (app as { router: { stack: Layer[] } }).router;
  const found: MountedRoute[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') found.push({ method, path: join(prefix, path) });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, join(prefix, layer.rawPath ?? ''));
      }
    }
  };
  walk(stack, '');
  return found;
}

const join = (a: string, b: string) => `${a.replace(/\/$/, '')}/${b.replace(/^\//, '')}`.replace(/\/$/, '') || '/';

/** Express's `:param` as OpenAPI writes it, `{param}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

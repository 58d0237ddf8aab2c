import { fileURLToPath } from 'node:url';

/**
 * The repository's folder, where the hotline finds its migrations and the bundled pages. This file sits one
 * folder below it, as the server bundle `dist/main.js` does (src/build.ts), so the one relative path holds
 * whether the hotline runs from its sources (tests, `npm run dev`) or from the bundle (`npm start`).
 */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Preact with htm tagged templates: components as plain ES modules, no build step. The vendor files
// are served by the hub from node_modules under the same versioned prefix (src/console/console-assets.ts).
import { h, render, createContext } from '../../vendor/preact.mjs';
import htm from '../../vendor/htm.mjs';

export const html = htm.bind(h);
export { render, createContext };
export { useState, useEffect, useLayoutEffect, useContext, useRef, useCallback, useMemo } from '../../vendor/preact-hooks.mjs';

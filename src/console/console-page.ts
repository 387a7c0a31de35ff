/**
 * The console's one HTML page. Everything it runs is a same-origin module under the build's
 * versioned prefix: no inline script or style, so the Content-Security-Policy can forbid both.
 * Vietnamese is the default language; the app switches `lang` and the texts when asked.
 */
export function consolePage(build: string): string {
  const base = `/console/v/${build}`;
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Liên thông — Bảng điều khiển</title>
<link rel="icon" href="${base}/app/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${base}/vendor/uplot.css">
<link rel="stylesheet" href="${base}/app/console.css">
<script type="module" src="${base}/app/main.js"></script>
</head>
<body>
<div id="app"><p class="boot">Đang tải…</p></div>
<noscript><p>Bảng điều khiển cần JavaScript. The console needs JavaScript.</p></noscript>
</body>
</html>
`;
}

/**
 * What the browser may do on console pages: scripts, styles, images, fonts and API calls from the
 * hub itself only; no inline script or style attribute, no plugin, no framing, no form posting
 * elsewhere. Charts set styles through the CSSOM, which `style-src` does not govern.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// The /docs page: Scalar's API reference of /openapi.json, as a page that loads nothing from outside.
// Its script is a static asset of this server (public/docs/scalar.js, copied from the pinned package);
// its configuration is a data attribute, not an inline script, so the page's Content-Security-Policy
// allows scripts from this origin only. Scalar's hosted parts are off: its fonts (the page uses the
// system's), its request proxy (requests go from the browser straight to this origin), its AI agent,
// its telemetry, and the developer toolbar's hosted menus (share, deploy).
const CONFIGURATION = {
  url: "/openapi.json",
  withDefaultFonts: false,
  proxyUrl: "",
  agent: { disabled: true },
  telemetry: false,
  showDeveloperTools: "never",
  hideClientButton: false,
  documentDownloadType: "json",
};

/** Only this origin; Scalar sets styles and fonts inline (style attributes, data: fonts), so those two allow them. */
export const DOCS_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "font-src 'self' data:", "img-src 'self' data:",
  "connect-src 'self'", "worker-src 'self' blob:", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join("; ");

const attribute = (value: unknown) => JSON.stringify(value).replace(/&/g, "&amp;").replace(/'/g, "&#39;").replace(/</g, "&lt;");

export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Batch label API</title>
</head>
<body>
<script id="api-reference" data-url="/openapi.json" data-configuration='${attribute(CONFIGURATION)}'></script>
<script src="/docs/scalar.js"></script>
</body>
</html>
`;

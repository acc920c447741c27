import { dirname } from 'node:path';
import express, { Router } from 'express';
import { servedOpenApiDocument } from './document';

/** The Swagger UI files /docs needs, served from the installed package (no CDN). */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

/**
 * Only this origin: the page's scripts and styles are our own files, the document and "try it"
 * requests go to this gateway, and no font, image or frame comes from anywhere else. No inline script
 * or style sheet either (the page's settings are a file of their own); Swagger UI's icons are data:
 * URLs.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>AgentIdP API reference</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" />
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/init.js"></script>
  </body>
</html>
`;

// The document from this origin; requests ("try it", the OAuth client_credentials dialog) go to its
// server, "/", i.e. this gateway. No validator badge: it would call an outside service.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

/** `GET /openapi.json` (strong ETag, 304 on If-None-Match) and the interactive reference at `/docs`. */
export function apiDescriptionRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (req, res) => {
    const { body, etag } = servedOpenApiDocument();
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    // Express answers 304 itself when If-None-Match matches the ETag set above.
    res.type('application/json').send(body);
  });

  const docs = (contentType: string, body: string) =>
    ((_req: express.Request, res: express.Response) => {
      res.setHeader('Content-Security-Policy', DOCS_CSP);
      res.type(contentType).send(body);
    }) satisfies express.RequestHandler;
  router.get('/docs', docs('text/html', PAGE));
  router.get('/docs/init.js', docs('application/javascript', INIT));

  const assets = express.static(dirname(require.resolve('swagger-ui-dist/package.json')), {
    index: false,
    fallthrough: true,
    maxAge: '1d',
  });
  router.get('/docs/assets/:file', (req, res, next) => {
    if (!ASSETS.includes(req.params.file)) {
      next();
      return;
    }
    req.url = `/${req.params.file}`;
    assets(req, res, next);
  });
  return router;
}

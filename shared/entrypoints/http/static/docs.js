// The interactive docs of /api/openapi.json (Swagger UI, vendored: docs/api.md#conventions).
// Opened with ?code=<function key>, the page reads the document with that key (not shown in its
// link) and authorizes "Try it out" with it: the query-parameter scheme of the document's
// securitySchemes (shared/entrypoints/http/openapi.py).
"use strict";

(() => {
  const code = new URLSearchParams(location.search).get("code");
  const withKey = (request) => {
    if (code && request.loadSpec) {
      const url = new URL(request.url, location.href);
      url.searchParams.set("code", code);
      request.url = url.href;
    }
    return request;
  };

  const ui = SwaggerUIBundle({
    url: new URL("openapi.json", location.href).pathname, // /api/docs -> /api/openapi.json
    requestInterceptor: withKey,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null, // Swagger UI's default sends the document to its public validator
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    onComplete: () => {
      if (code) ui.preauthorizeApiKey("functionKeyQuery", code);
    },
  });
})();

// Renders the generated document; "Try it out" calls this same gateway.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#api",
    deepLinking: true,
    tryItOutEnabled: false,
    persistAuthorization: false
  });
});

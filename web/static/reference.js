// Renders the store API's OpenAPI document with the vendored Swagger UI.
(function () {
  "use strict";
  var el = document.getElementById("reference");
  window.SwaggerUIBundle({ url: el.getAttribute("data-spec"), domNode: el, deepLinking: false });
})();

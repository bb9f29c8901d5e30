// The generated document against the OpenAPI 3.1 specification, by a validator nobody
// here wrote (@apidevtools/swagger-parser, installed by tests/run.sh for the run).
// usage: NODE_PATH=<node_modules> node validate.js openapi.json
const SwaggerParser = require("@apidevtools/swagger-parser");

SwaggerParser.validate(process.argv[2])
  .then((api) => {
    const ops = Object.values(api.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths, ${ops} operations`);
  })
  .catch((err) => {
    console.error(`invalid: ${err.message}`);
    process.exit(1);
  });

// Validates an OpenAPI document against the OpenAPI 3.1 schema and resolves
// every $ref: node validate.mjs FILE. Prints the error and exits 1 when the
// document is not valid.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  console.log(JSON.stringify({ openapi: api.openapi, paths: Object.keys(api.paths).length }));
} catch (err) {
  console.error(err.message);
  process.exit(1);
}

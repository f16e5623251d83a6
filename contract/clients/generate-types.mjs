// openapi-typescript on openapi.json, binary values (`format: binary`: an uploaded document, a
// download) typed as Blob rather than string, so that a file goes into a form without a cast.
// Usage: node generate-types.mjs OPENAPI_JSON OUTPUT_TS
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";

const [input, output] = process.argv.slice(2);
const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const ast = await openapiTS(pathToFileURL(input), {
  transform(schema) {
    return schema.format === "binary" ? BLOB : undefined;
  },
});
writeFileSync(output, astToString(ast));

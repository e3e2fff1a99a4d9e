// Validates an OpenAPI document with two independent validators; exit code 0 only if both accept it.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
let failed = false;

const validator = new Validator();
const result = await validator.validate(JSON.parse(readFileSync(file, "utf8")));
if (result.valid) {
  console.log(`@seriousme/openapi-schema-validator: valid (OpenAPI ${validator.version})`);
} else {
  failed = true;
  console.log("@seriousme/openapi-schema-validator: INVALID");
  console.log(JSON.stringify(result.errors, null, 2));
}

try {
  const api = await SwaggerParser.validate(file);
  console.log(`@apidevtools/swagger-parser: valid (${api.info.title} ${api.info.version})`);
} catch (e) {
  failed = true;
  console.log("@apidevtools/swagger-parser: INVALID");
  console.log(String(e && e.message ? e.message : e));
}
process.exit(failed ? 1 : 0);

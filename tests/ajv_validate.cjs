// Validates YAML files against a JSON Schema with ajv in strict mode, one verdict per file.
//   node tests/ajv_validate.cjs NODE_MODULES SCHEMA.json FILE.yaml...
// Prints {"file": true|false, ...}; a file js-yaml cannot read (a duplicate key) is false.
const path = require("path");
const fs = require("fs");
const modules = process.argv[2];
const Ajv2020 = require(path.join(modules, "ajv/dist/2020")).default;
const yaml = require(path.join(modules, "js-yaml"));
const ajv = new Ajv2020({ strict: true, allErrors: true });
const validate = ajv.compile(JSON.parse(fs.readFileSync(process.argv[3], "utf8")));
const verdicts = {};
for (const file of process.argv.slice(4)) {
  let data;
  try {
    data = yaml.load(fs.readFileSync(file, "utf8"), { schema: yaml.CORE_SCHEMA });
  } catch (e) {
    verdicts[file] = false;
    continue;
  }
  verdicts[file] = validate(data);
}
process.stdout.write(JSON.stringify(verdicts));

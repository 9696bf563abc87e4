// Checks X-Twilio-Signature values with Twilio's own helper library (npm
// twilio). Usage: node twilio-sign.mjs < cases.json, where cases.json is
// {"auth_token": "...", "cases": [{"url": "...", "params": [[name, value],
// ...], "ours": "<our signature>"}, ...]}. Prints one JSON array, per case
// {"expected": getExpectedTwilioSignature(...), "valid":
// validateRequest(token, ours, url, params)}. Repeated names become arrays,
// as Express's body parser hands them to the library.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { getExpectedTwilioSignature, validateRequest } =
  require("twilio/lib/webhooks/webhooks");

const input = JSON.parse(readFileSync(0, "utf8"));
const out = input.cases.map((c) => {
  const params = {};
  for (const [name, value] of c.params) {
    if (Object.hasOwn(params, name)) params[name] = [].concat(params[name], value);
    else params[name] = value;
  }
  return {
    expected: getExpectedTwilioSignature(input.auth_token, c.url, params),
    valid: validateRequest(input.auth_token, c.ours, c.url, params),
  };
});
console.log(JSON.stringify(out));

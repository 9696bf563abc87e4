// Verifies a KaiCalls delivery with the Standard Webhooks reference library.
// Usage: node verify.mjs SECRET < delivery.json, where delivery.json is
// {"headers": {...}, "body": "..."} (kcctl sign's output) or
// {"headers": {...}, "body_b64": "..."}: a delivery as the test receiver got
// it, its body's bytes in base64, so that exactly the bytes the worker sent
// are checked. Exit 0 only if the library accepts the signature and returns
// a payload whose id is the webhook-id.
import { Webhook } from "standardwebhooks";
import { readFileSync } from "node:fs";

const secret = process.argv[2];
const delivery = JSON.parse(readFileSync(0, "utf8"));
const payload =
  typeof delivery.body_b64 === "string"
    ? Buffer.from(delivery.body_b64, "base64")
    : delivery.body;
try {
  const event = new Webhook(secret).verify(payload, delivery.headers);
  if (event.id !== delivery.headers["webhook-id"]) {
    console.error("payload id does not match webhook-id");
    process.exit(1);
  }
  console.log(`verified ${event.type} ${event.id}`);
} catch (e) {
  console.error(`rejected: ${e.message}`);
  process.exit(1);
}

// Verifies a KaiCalls delivery with the Standard Webhooks reference library.
// Usage: node verify.mjs SECRET < delivery.json, where delivery.json is
// kcctl sign's output: {"headers": {...}, "body": "..."}. Exit 0 only if
// the library accepts the signature and returns the same payload.
import { Webhook } from "standardwebhooks";
import { readFileSync } from "node:fs";

const secret = process.argv[2];
const delivery = JSON.parse(readFileSync(0, "utf8"));
try {
  const payload = new Webhook(secret).verify(delivery.body, delivery.headers);
  if (payload.id !== delivery.headers["webhook-id"]) {
    console.error("payload id does not match webhook-id");
    process.exit(1);
  }
  console.log(`verified ${payload.type} ${payload.id}`);
} catch (e) {
  console.error(`rejected: ${e.message}`);
  process.exit(1);
}

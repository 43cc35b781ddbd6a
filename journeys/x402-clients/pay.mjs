// An agent paying one request to the gateway as @x402/fetch's quick start shows. The platform's token is no asset
// the SDK knows, so its spend controls name it: the one line beyond the quick start.
//
// In: AGENT_PRIVATE_KEY, URL, NETWORK and ASSET (of the 402's requirements), BODY (the JSON request).
// Out, on stdout: {"status", "paymentResponse" (the decoded PAYMENT-RESPONSE, or null), "body"}.
import { wrapFetchWithPaymentFromConfig, decodePaymentResponseHeader } from "@x402/fetch";
import { ExactEvmScheme } from "@x402/evm";
import { privateKeyToAccount } from "viem/accounts";

const { AGENT_PRIVATE_KEY, URL, NETWORK, ASSET, BODY } = process.env;
const account = privateKeyToAccount(AGENT_PRIVATE_KEY);

const fetchWithPayment = wrapFetchWithPaymentFromConfig(fetch, {
  schemes: [{ network: "eip155:*", client: new ExactEvmScheme(account) }],
  spendControls: { allowedAssets: [{ network: NETWORK, asset: ASSET }] },
});

const response = await fetchWithPayment(URL, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: BODY,
});
const paymentResponse = response.headers.get("PAYMENT-RESPONSE");
console.log(JSON.stringify({
  status: response.status,
  paymentResponse: paymentResponse ? decodePaymentResponseHeader(paymentResponse) : null,
  body: await response.text(),
}));

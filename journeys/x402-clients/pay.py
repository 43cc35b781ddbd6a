"""An agent paying one request to the gateway as the x402 package's quick start shows, with httpx.

The platform's token is no asset the SDK knows, so its spend controls name it: the one line beyond the quick start.

In: AGENT_PRIVATE_KEY, URL, NETWORK and ASSET (of the 402's requirements), BODY (the JSON request).
Out, on stdout: {"status", "paymentResponse" (the decoded PAYMENT-RESPONSE, or null), "body"}.
"""

import asyncio
import json
import os

from eth_account import Account
from x402 import SchemeRegistration, x402Client, x402ClientConfig
from x402.http import decode_payment_response_header
from x402.http.clients import x402HttpxClient
from x402.mechanisms.evm.exact import ExactEvmScheme
from x402.mechanisms.evm.signers import EthAccountSigner


async def main() -> None:
    signer = EthAccountSigner(Account.from_key(os.environ["AGENT_PRIVATE_KEY"]))
    config = x402ClientConfig(
        schemes=[SchemeRegistration(network="eip155:*", client=ExactEvmScheme(signer=signer))],
        spend_controls={"allowed_assets": [{"network": os.environ["NETWORK"], "asset": os.environ["ASSET"]}]},
    )
    async with x402HttpxClient(x402Client.from_config(config), timeout=60) as client:
        response = await client.post(
            os.environ["URL"], content=os.environ["BODY"], headers={"Content-Type": "application/json"}
        )
        header = response.headers.get("PAYMENT-RESPONSE")
        settled = decode_payment_response_header(header).model_dump(by_alias=True) if header else None
        print(json.dumps({"status": response.status_code, "paymentResponse": settled, "body": response.text}))


asyncio.run(main())

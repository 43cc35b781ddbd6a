// Deploys onto a fresh anvil what the platform's payments run on, and prints the addresses as
// KEY=value lines:
//   1. the Superfluid framework, by Superfluid's own test deployer;
//   2. ComputePoolUsd, the platform's 6-decimal USD token with EIP-3009 (compiled with solc-js in deploy/);
//   3. its wrapper super token (18 decimals), created by Superfluid's SuperTokenFactory;
//   4. a funded platform treasury: gas, minted tokens, and part of them upgraded to super tokens.
//
// Environment: CHAIN_RPC_URL, CHAIN_TREASURY_PRIVATE_KEY, CONTRACT_ARTIFACTS (the directory of
// deploy's <Contract>.json files).
const path = require("path");
const {ethers} = require("hardhat");
const {deployTestFrameworkWithEthersV5} = require("@superfluid-finance/ethereum-contracts/dev-scripts/deploy-test-framework");
const Erc1820Registry = require("@superfluid-finance/ethereum-contracts/dev-scripts/artifacts/ERC1820Registry.json");

const TOKEN_NAME = "ComputePool USD";
const TOKEN_SYMBOL = "cpUSD";
const TOKEN_DECIMALS = 6;
const SUPER_TOKEN_NAME = "Super ComputePool USD";
const SUPER_TOKEN_SYMBOL = "cpUSDx";
const SEMI_UPGRADABLE = 1;
// 1,000,000,000 cpUSD minted to the treasury; 100,000,000 of them wrapped for streams and distributions.
const TREASURY_MINT = ethers.utils.parseUnits("1000000000", TOKEN_DECIMALS);
const TREASURY_WRAPPED = ethers.utils.parseUnits("100000000", TOKEN_DECIMALS);
const TREASURY_GAS = ethers.utils.parseEther("1000000");

function required(name) {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
}

function artifact(name) {
    return require(path.join(required("CONTRACT_ARTIFACTS"), `${name}.json`));
}

async function minedAll(provider, address) {
    for (let i = 0; i < 600; i++) {
        const [mined, sent] = await Promise.all([
            provider.getTransactionCount(address, "latest"),
            provider.getTransactionCount(address, "pending"),
        ]);
        if (mined === sent) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`transactions of ${address} still pending after 60 s`);
}

// The ERC-1820 registry, deployed at its canonical address by a presigned transaction from a keyless deployer.
const ERC1820_ADDRESS = "0x1820a4b7618bde71dce8cdc73aab6c95905fad24";
const ERC1820_DEPLOYER = "0xa990077c3205cbDf861e17Fa532eeB069cE9fF96";
const ERC1820_DEPLOYMENT_GAS = ethers.BigNumber.from("0x11c37937e080000");

// The test deployer funds the registry's deployer and sends the presigned transaction without waiting in between;
// on a busy machine anvil may not have mined the funding yet and rejects it ("insufficient funds"). Deployed here
// first, waiting at each step, the test deployer finds the registry and skips it.
async function deployErc1820Registry(provider, treasury) {
    if ((await provider.getCode(ERC1820_ADDRESS)) !== "0x") return;
    await (await treasury.sendTransaction({to: ERC1820_DEPLOYER, value: ERC1820_DEPLOYMENT_GAS})).wait();
    const payload = "0xf90a388085174876e800830c35008080b909e5" + Erc1820Registry.bin +
        "1ba01820182018201820182018201820182018201820182018201820182018201820a01820182018201820182018201820182018201820182018201820182018201820";
    await provider.waitForTransaction(await provider.send("eth_sendRawTransaction", [payload]));
    if ((await provider.getCode(ERC1820_ADDRESS)) === "0x") throw new Error(`no ERC-1820 registry at ${ERC1820_ADDRESS}`);
}

async function main() {
    const provider = new ethers.providers.JsonRpcProvider(required("CHAIN_RPC_URL"));
    const treasury = new ethers.Wallet(required("CHAIN_TREASURY_PRIVATE_KEY"), provider);
    await provider.send("anvil_setBalance", [treasury.address, ethers.utils.hexValue(TREASURY_GAS)]);

    await deployErc1820Registry(provider, treasury);
    const {frameworkDeployer} = await deployTestFrameworkWithEthersV5(treasury);
    // The test deployer sends its steps without waiting for them to be mined; on a busy machine anvil may not have
    // mined the last ones yet, and the framework would read back half-built (a zero factory address).
    await minedAll(provider, treasury.address);
    const framework = await frameworkDeployer.getFramework();
    for (const [name, address] of Object.entries({superTokenFactory: framework.superTokenFactory,
        gdaV1Forwarder: framework.gdaV1Forwarder, host: framework.host})) {
        if ((await provider.getCode(address)) === "0x") throw new Error(`the framework's ${name} has no code at ${address}`);
    }

    const usdArtifact = artifact("ComputePoolUsd");
    const usd = await new ethers.ContractFactory(usdArtifact.abi, usdArtifact.bytecode, treasury)
        .deploy(TOKEN_NAME, TOKEN_SYMBOL, treasury.address);
    await usd.deployed();

    const factory = new ethers.Contract(framework.superTokenFactory, artifact("ISuperTokenFactory").abi, treasury);
    const created = await (await factory.createERC20Wrapper(
        usd.address, TOKEN_DECIMALS, SEMI_UPGRADABLE, SUPER_TOKEN_NAME, SUPER_TOKEN_SYMBOL, ethers.constants.AddressZero
    )).wait();
    const superTokenAddress = created.events.find((e) => e.event === "SuperTokenCreated").args.token;
    const superToken = new ethers.Contract(superTokenAddress, artifact("ISuperToken").abi, treasury);

    await (await usd.mint(treasury.address, TREASURY_MINT)).wait();
    await (await usd.approve(superTokenAddress, TREASURY_WRAPPED)).wait();
    // Super token amounts have 18 decimals: 10^12 of them per base unit of the 6-decimal token.
    await (await superToken.upgrade(TREASURY_WRAPPED.mul(ethers.BigNumber.from(10).pow(18 - TOKEN_DECIMALS)))).wait();

    const network = await provider.getNetwork();
    const lines = {
        CHAIN_ID: network.chainId,
        CHAIN_TREASURY_ADDRESS: treasury.address,
        CHAIN_TOKEN_ADDRESS: usd.address,
        CHAIN_SUPER_TOKEN_ADDRESS: superTokenAddress,
        SUPERFLUID_HOST_ADDRESS: framework.host,
        SUPERFLUID_CFA_ADDRESS: framework.cfa,
        SUPERFLUID_GDA_ADDRESS: framework.gda,
        SUPERFLUID_CFA_FORWARDER_ADDRESS: framework.cfaV1Forwarder,
        SUPERFLUID_GDA_FORWARDER_ADDRESS: framework.gdaV1Forwarder,
        SUPERFLUID_SUPER_TOKEN_FACTORY_ADDRESS: framework.superTokenFactory,
        SUPERFLUID_RESOLVER_ADDRESS: framework.resolver,
    };
    for (const [key, value] of Object.entries(lines)) console.log(`${key}=${value}`);
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});

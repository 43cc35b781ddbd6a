// Only what deploy-chain.js needs from Hardhat: the ethers plugin that Superfluid's test deployer uses.
// Deployment goes to the anvil named by CHAIN_RPC_URL, never to Hardhat's in-process network.
require("@nomiclabs/hardhat-ethers");

module.exports = {};

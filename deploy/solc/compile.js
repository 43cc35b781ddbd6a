// Compiles every .sol file under the source directory with solc-js and writes, per contract declared
// there, <name>.abi and <name>.bin (web3j's generator reads these) and <name>.json ({abi, bytecode},
// what the local stack deploys from). Imports resolve against this directory's node_modules.
//
//   node compile.js <source dir> <abi/bin dir> <json dir>
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const [sourceDir, binaryDir, jsonDir] = process.argv.slice(2).map((p) => path.resolve(p));
if (!sourceDir || !binaryDir || !jsonDir) {
    console.error("usage: node compile.js <source dir> <abi/bin dir> <json dir>");
    process.exit(2);
}

function solidityFiles(dir) {
    return fs.readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return solidityFiles(full);
        return entry.name.endsWith(".sol") ? [full] : [];
    });
}

const sources = {};
for (const file of solidityFiles(sourceDir)) {
    sources[path.relative(sourceDir, file).split(path.sep).join("/")] = {content: fs.readFileSync(file, "utf8")};
}

const input = {
    language: "Solidity",
    sources,
    settings: {
        // Cancun is the newest fork every EVM JSON-RPC we target runs; newer opcodes would lock us out.
        evmVersion: "cancun",
        optimizer: {enabled: true, runs: 200},
        outputSelection: {"*": {"*": ["abi", "evm.bytecode.object"]}},
    },
};

function findImport(importPath) {
    try {
        return {contents: fs.readFileSync(require.resolve(importPath, {paths: [__dirname]}), "utf8")};
    } catch (e) {
        return {error: `cannot resolve import ${importPath}: ${e.message}`};
    }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), {import: findImport}));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const diagnostic of output.errors || []) console.error(diagnostic.formattedMessage);
if (errors.length > 0) process.exit(1);

fs.mkdirSync(binaryDir, {recursive: true});
fs.mkdirSync(jsonDir, {recursive: true});
for (const sourceName of Object.keys(sources)) {
    for (const [name, contract] of Object.entries(output.contracts[sourceName] || {})) {
        const abi = JSON.stringify(contract.abi);
        const bytecode = contract.evm.bytecode.object;
        fs.writeFileSync(path.join(binaryDir, `${name}.abi`), abi);
        fs.writeFileSync(path.join(binaryDir, `${name}.bin`), bytecode);
        fs.writeFileSync(
            path.join(jsonDir, `${name}.json`),
            JSON.stringify({contractName: name, compiler: `solc-js ${solc.version()}`, abi: contract.abi, bytecode: "0x" + bytecode})
        );
        console.log(`compiled ${sourceName}:${name} (${bytecode.length / 2} bytes)`);
    }
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The part of Superfluid's ISuperTokenFactory (ethereum-contracts 1.15) the platform calls: wrapping
/// an ERC-20 in a super token. Declared here so that the wrappers need only our own sources; the
/// selectors and the event match the deployed framework's.
interface ISuperTokenFactory {
    enum Upgradability {
        NON_UPGRADABLE,
        SEMI_UPGRADABLE,
        FULL_UPGRADABLE
    }

    event SuperTokenCreated(address indexed token);

    function createERC20Wrapper(
        address underlyingToken,
        uint8 underlyingDecimals,
        Upgradability upgradability,
        string calldata name,
        string calldata symbol,
        address admin
    ) external returns (address superToken);
}

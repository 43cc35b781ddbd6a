// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The event of Superfluid's general distribution agreement (ethereum-contracts 1.15) that names a new pool:
/// the forwarder's createPool returns the address, but a transaction's return value is not on chain, its
/// events are.
interface IGeneralDistributionAgreementV1 {
    event PoolCreated(address indexed token, address indexed admin, address pool);
}

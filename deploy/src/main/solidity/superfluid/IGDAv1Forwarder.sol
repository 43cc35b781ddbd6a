// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The part of Superfluid's GDAv1Forwarder (ethereum-contracts 1.15) the platform calls: pools of operators
/// paid by a flow distribution and by one-off distributions, through the general distribution agreement.
interface IGDAv1Forwarder {
    struct PoolConfig {
        bool transferabilityForUnitsOwner;
        bool distributionFromAnyAddress;
    }

    function createPool(address token, address admin, PoolConfig memory config)
        external
        returns (bool success, address pool);

    function updateMemberUnits(address pool, address memberAddress, uint128 newUnits, bytes memory userData)
        external
        returns (bool success);

    function claimAll(address pool, address memberAddress, bytes memory userData) external returns (bool success);

    function connectPool(address pool, bytes memory userData) external returns (bool);

    function distribute(address token, address from, address pool, uint256 requestedAmount, bytes memory userData)
        external
        returns (bool);

    function distributeFlow(address token, address from, address pool, int96 requestedFlowRate, bytes memory userData)
        external
        returns (bool);

    function getFlowDistributionFlowRate(address token, address from, address to) external view returns (int96);

    function estimateDistributionActualAmount(address token, address from, address to, uint256 requestedAmount)
        external
        view
        returns (uint256 actualAmount);

    function isMemberConnected(address pool, address member) external view returns (bool);
}

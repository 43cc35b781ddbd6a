// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The views of Superfluid's ISuperfluidPool (ethereum-contracts 1.15) the platform reads.
interface ISuperfluidPool {
    function admin() external view returns (address);
    function getTotalUnits() external view returns (uint128);
    function getUnits(address memberAddr) external view returns (uint128);
    function getMemberFlowRate(address memberAddr) external view returns (int96);
    function getTotalAmountReceivedByMember(address memberAddr) external view returns (uint256 totalAmountReceived);
    function getClaimableNow(address memberAddr) external view returns (int256 claimableBalance, uint256 timestamp);
}

// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// The part of Superfluid's ISuperToken (ethereum-contracts 1.15) the platform calls. A wrapper super
/// token always has 18 decimals; upgrade and downgrade amounts are in those units.
interface ISuperToken {
    function name() external view returns (string memory);
    function symbol() external view returns (string memory);
    function decimals() external view returns (uint8);
    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function transfer(address recipient, uint256 amount) external returns (bool);
    function getUnderlyingToken() external view returns (address);
    function getUnderlyingDecimals() external view returns (uint8);
    function realtimeBalanceOfNow(address account)
        external
        view
        returns (int256 availableBalance, uint256 deposit, uint256 owedDeposit, uint256 timestamp);
    function upgrade(uint256 amount) external;
    function upgradeTo(address to, uint256 amount, bytes calldata userData) external;
    function downgrade(uint256 amount) external;
}

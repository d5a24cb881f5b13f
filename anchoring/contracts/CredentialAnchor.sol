// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title CredentialAnchor: Merkle roots of credential batches, each anchored once.
/// @notice The owner manages the accounts allowed to anchor. A root can be anchored
/// only once, so a re-sent transaction reverts instead of anchoring twice; the
/// block number and time of the first anchoring are kept for anyone to read.
contract CredentialAnchor {
    struct Anchor {
        uint64 blockNumber;
        uint64 timestamp;
        uint64 size;
        address anchorer;
    }

    address public owner;
    mapping(address => bool) public isAnchorer;
    mapping(bytes32 => Anchor) private anchors;

    event Anchored(bytes32 indexed root, uint64 size, address indexed anchorer);
    event AnchorerAdded(address indexed account);
    event AnchorerRemoved(address indexed account);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner();
    error NotAnchorer();
    error ZeroAddress();
    error EmptyRoot();
    error EmptyBatch();
    error AlreadyAnchored(bytes32 root);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function addAnchorer(address account) external onlyOwner {
        if (account == address(0)) revert ZeroAddress();
        if (!isAnchorer[account]) {
            isAnchorer[account] = true;
            emit AnchorerAdded(account);
        }
    }

    function removeAnchorer(address account) external onlyOwner {
        if (isAnchorer[account]) {
            isAnchorer[account] = false;
            emit AnchorerRemoved(account);
        }
    }

    /// @notice Anchor the Merkle root of a batch of `size` credentials.
    function anchor(bytes32 root, uint64 size) external {
        if (!isAnchorer[msg.sender]) revert NotAnchorer();
        if (root == bytes32(0)) revert EmptyRoot();
        if (size == 0) revert EmptyBatch();
        if (anchors[root].blockNumber != 0) revert AlreadyAnchored(root);
        anchors[root] = Anchor(uint64(block.number), uint64(block.timestamp), size, msg.sender);
        emit Anchored(root, size, msg.sender);
    }

    /// @notice Where `root` was anchored: all zero when it never was.
    function anchoredAt(bytes32 root)
        external
        view
        returns (uint64 blockNumber, uint64 timestamp, uint64 size, address anchorer)
    {
        Anchor memory a = anchors[root];
        return (a.blockNumber, a.timestamp, a.size, a.anchorer);
    }
}

"""The committed artifact is what the pinned solcjs makes of the committed source."""

from __future__ import annotations

from anchoring.contracts import ARTIFACT, SOURCE, artifact
from anchoring.contracts.build import SOLC_VERSION, compile_contract, render


def test_artifact_matches_a_fresh_compile() -> None:
    fresh = compile_contract()
    assert fresh["compiler"]["version"].startswith(SOLC_VERSION + "+")
    assert render(fresh) == ARTIFACT.read_text(encoding="utf-8")
    assert artifact()["sourceSha256"] == fresh["sourceSha256"]


def test_abi_has_the_interface_the_issue_names() -> None:
    names = {(e["type"], e.get("name")) for e in artifact()["abi"]}
    for item in [("function", "anchor"), ("function", "anchoredAt"), ("function", "addAnchorer"),
                 ("function", "removeAnchorer"), ("event", "Anchored"), ("error", "AlreadyAnchored")]:
        assert item in names
    assert "pragma solidity 0.8.37;" in SOURCE.read_text()


def test_contract_rules_on_anvil(make_chain) -> None:  # type: ignore[no-untyped-def]
    """Owner-managed anchorers, one anchoring per root, the Anchored event, anchoredAt."""
    import secrets

    import pytest
    from eth_account import Account
    from web3 import Web3
    from web3.exceptions import ContractCustomError

    from anchoring.devchain import fund

    chain = make_chain()
    w3 = chain.anvil.w3
    c = w3.eth.contract(address=Web3.to_checksum_address(chain.contract), abi=artifact()["abi"])
    signer = chain.signer
    outsider = Account.from_key(secrets.token_bytes(32))
    fund(w3, outsider.address)
    root = secrets.token_bytes(32)
    assert c.functions.anchoredAt(root).call()[0] == 0
    with pytest.raises(ContractCustomError):  # NotAnchorer
        c.functions.anchor(root, 3).call({"from": outsider.address})
    with pytest.raises(ContractCustomError):  # NotOwner
        c.functions.addAnchorer(outsider.address).call({"from": outsider.address})
    w3.provider.make_request("anvil_impersonateAccount", [signer])  # type: ignore[arg-type]
    tx = c.functions.anchor(root, 3).transact({"from": signer})
    receipt = w3.eth.wait_for_transaction_receipt(tx)
    (event,) = c.events.Anchored().process_receipt(receipt)
    assert event["args"]["root"] == root and event["args"]["size"] == 3 and event["args"]["anchorer"] == signer
    block, stamp, size, anchorer = c.functions.anchoredAt(root).call()
    assert block == receipt["blockNumber"] and size == 3 and anchorer == signer and stamp > 0
    with pytest.raises(ContractCustomError):  # AlreadyAnchored: re-anchoring reverts
        c.functions.anchor(root, 3).call({"from": signer})
    owner = Account.from_key(chain.owner_key).address
    w3.provider.make_request("anvil_impersonateAccount", [owner])  # type: ignore[arg-type]
    w3.eth.wait_for_transaction_receipt(c.functions.removeAnchorer(signer).transact({"from": owner}))
    assert c.functions.isAnchorer(signer).call() is False
    with pytest.raises(ContractCustomError):
        c.functions.anchor(secrets.token_bytes(32), 1).call({"from": signer})

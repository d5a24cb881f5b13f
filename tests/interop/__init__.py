"""Interoperability tests: Lianzheng's core against independent implementations (node, see peer.mjs)."""

// Package kycvs is the protocol of KYC-VS ("Know Your Customer's Vaccination
// Status"): the signed status token a person hands to a verifying entity
// (a railway, an airline, a hotel, an employer), and the verification an
// entity's server runs on it.
//
// A token says one thing — the person is not (0), partially (1) or fully (2)
// vaccinated — to one audience (the entity), for one request (the entity's
// nonce), for at most five minutes. It is an Ed25519 signature over a small
// MessagePack map; SPEC.md beside this file is the normative description, and
// testdata/ holds vectors that implementations in any language can run.
//
// An entity server verifies like this:
//
//	ks, err := keys.ParseKeyset(keysJSON) // from /.well-known/kycvs/keys.json, or keys.Published()
//	a, err := kycvs.Verify(token, ks, kycvs.Expect{Audience: "ent_railways", Nonce: nonce})
//	if err != nil { refuse }
//	if seenBefore(a.TokenID) { refuse }   // single use is the entity's job
//	use(a.Status)
//
// or, with the helpers this package has for entity servers, a KeysetCache
// (fetches the keyset, follows key rotation) and a ReplayStore (single use of
// token ids and nonces, in memory or in an SQL database):
//
//	keysets := kycvs.NewKeysetCache("https://kycvs.example"+kycvs.KeysetPath, nil) // once
//	a, err := keysets.Verify(ctx, token, kycvs.Expect{Audience: "ent_railways", Nonce: nonce})
//	if err == nil { err = replay.Use(ctx, a) }
//	switch kycvs.ErrorCode(err) { … }     // "" with err != nil: your own outage
//
// docs/VERIFIERS.md describes them with the Node and Python verifiers
// (packages/), which share their error codes.
//
// Built with the kycvs_verifyonly tag, as the browser module is, the package
// has Verify but not Sign, PairwiseSubject, KeysetCache or the replay stores,
// and links neither tinylib/msgp, fmt, crypto/hmac, net/http nor database/sql
// (see wasm/SIZE.md).
//
// This package is not the OTP flow, the registry or the embed: those are the
// worker (worker/) and the browser module (wasm/).
//
// # Key management
//
// The issuer's public keys are published as a keyset (package keys): each key
// has a derived 8-hex-digit id and a validity window, and tokens name the id
// of the key that signed them. Verify accepts a token only if its key id is in
// the keyset and the key was valid at the token's issued-at time. Rotation:
// publish the new key; once every verifier has the new keyset, sign with it;
// retire the old key (set its not_after) no earlier than that moment. Tokens
// live five minutes, so a retired key stops mattering five minutes later.
// Private keys never enter the repository: the worker receives its key as a
// secret, in the text form of keys.PrivateKey.
//
// # Backwards compatibility
//
// The token's text form starts with "kycvs1." and its payload carries "v": 1.
// A change a version-1 verifier could misread will get a new prefix, a new
// payload version and a new signature context string, so old verifiers refuse
// new tokens instead of misreading them. Verifiers refuse unknown fields, so
// fields are never added to version 1. The Go API follows semantic versioning
// once tagged v1.0.0; until then it may change.
package kycvs

// An independent peer for Lianzheng's interoperability tests.
//
// Reads a JSON array of requests on stdin and writes a JSON array of results
// (same order) on stdout. A failing request yields {"error": "..."} and never
// stops the batch. Every request is an object with an "action":
//
//   verify          {document, challenge?, domain?, now?}
//                   Data Integrity credential or presentation through
//                   @digitalbazaar/vc (eddsa-rdfc-2022, ecdsa-rdfc-2019)
//                   -> {verified, errors}
//   issue           {credential, cryptosuite, created, key: {secretKeyMultibase,
//                   publicKeyMultibase} | generate: "Ed25519"|"P-256"|"P-384"}
//                   -> {document, key}; a generated key's did:key becomes the
//                   issuer (string or object id) before signing
//   prove           {presentation, cryptosuite, created, challenge, domain?,
//                   key | generate, issue?: [issue requests]}
//                   -> {document, key}; the credentials of "issue" are signed
//                   first and appended to verifiableCredential
//   canonize        {document, hash?} -> {nquads}: RDFC-1.0 canonical N-Quads
//                   as the cryptosuites compute them (jsonld.js in safe mode,
//                   rdf-canonize), for pinpointing disagreements;
//                   hash is RDFC-1.0's hash function, "SHA-256" (default) or
//                   "SHA-384" (what ecdsa-rdfc-2019 requires with P-384 keys)
//   jcs             {json: "<JSON text>"} -> {canonical: base64 of the UTF-8 bytes}
//                   using `canonicalize` (RFC 8785 reference implementation)
//   jcs-sign        {document, cryptosuite: eddsa-jcs-2022|ecdsa-jcs-2019,
//                   jwk (private), verificationMethod, created, proofPurpose,
//                   challenge?, domain?} -> {document}
//   jcs-verify      {document} -> {verified, reason?}
//                   the two JCS suites written here from the W3C
//                   Recommendations over node:crypto and `canonicalize`
//                   (no npm cryptosuite exists for them)
//   jwt-issue       {payload, jwk (private), kid, header?} -> {token} with `jose`
//   jwt-verify      {token, now?} -> {verified, header, payload}; the key is
//                   the public JWK derived here from the did:key in "kid"
//
// The JSON-LD document loader serves only Lianzheng's bundled contexts
// (credentials/vc/contexts/index.json) and did:key documents computed here;
// every other URL is an error, so nothing is ever fetched from the network.

import crypto from 'node:crypto';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as jose from 'jose';
import canonicalize from 'canonicalize';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CONTEXTS = path.resolve(HERE, '..', '..', 'credentials', 'vc', 'contexts');

const RDFC_SUITES = {
  'eddsa-rdfc-2022': eddsaRdfc2022,
  'ecdsa-rdfc-2019': ecdsaRdfc2019,
};

// ------------------------------------------------------------------ base58btc
// Written here rather than imported so that key and proof encodings are not
// checked by the very library under test.
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function b58encode(bytes) {
  let n = 0n;
  for(const b of bytes) {
    n = n * 256n + BigInt(b);
  }
  let out = '';
  while(n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for(const b of bytes) {
    if(b !== 0) {
      break;
    }
    out = '1' + out;
  }
  return out;
}

function b58decode(text) {
  let n = 0n;
  for(const ch of text) {
    const digit = B58.indexOf(ch);
    if(digit < 0) {
      throw new Error(`invalid base58 character ${JSON.stringify(ch)}`);
    }
    n = n * 58n + BigInt(digit);
  }
  const bytes = [];
  while(n > 0n) {
    bytes.unshift(Number(n % 256n));
    n /= 256n;
  }
  for(const ch of text) {
    if(ch !== '1') {
      break;
    }
    bytes.unshift(0);
  }
  return Uint8Array.from(bytes);
}

// ------------------------------------------------------------------ keys
// Multicodec varint prefixes of the public keys did:key may hold here.
const PUBLIC_PREFIXES = [
  {type: 'Ed25519', prefix: [0xed, 0x01], length: 32},
  {type: 'P-256', prefix: [0x80, 0x24], length: 33},
  {type: 'P-384', prefix: [0x81, 0x24], length: 49},
];

function decodePublicMultibase(multibase) {
  if(typeof multibase !== 'string' || !multibase.startsWith('z')) {
    throw new Error(`not a base58btc multibase key: ${multibase}`);
  }
  const bytes = b58decode(multibase.slice(1));
  for(const {type, prefix, length} of PUBLIC_PREFIXES) {
    if(bytes[0] === prefix[0] && bytes[1] === prefix[1] &&
      bytes.length === prefix.length + length) {
      return {type, raw: bytes.slice(prefix.length)};
    }
  }
  throw new Error(`unsupported multicodec key ${multibase}`);
}

function b64url(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

// Public JWK straight from the multibase bytes (RFC 8037 / RFC 7518).
function publicJwkFromMultibase(multibase) {
  const {type, raw} = decodePublicMultibase(multibase);
  if(type === 'Ed25519') {
    return {kty: 'OKP', crv: 'Ed25519', x: b64url(raw)};
  }
  const curve = type === 'P-256' ? 'prime256v1' : 'secp384r1';
  const point = crypto.ECDH.convertKey(
    Buffer.from(raw), curve, undefined, undefined, 'uncompressed');
  const size = (point.length - 1) / 2;
  return {
    kty: 'EC', crv: type,
    x: b64url(point.subarray(1, 1 + size)),
    y: b64url(point.subarray(1 + size)),
  };
}

function didKeyParts(url) {
  if(typeof url !== 'string' || !url.startsWith('did:key:')) {
    throw new Error(`not a did:key URL: ${url}`);
  }
  const [did, fragment] = url.split('#');
  const multibase = did.slice('did:key:'.length);
  if(fragment !== undefined && fragment !== multibase) {
    throw new Error(`did:key fragment must repeat the key: ${url}`);
  }
  decodePublicMultibase(multibase);
  return {did, multibase, vmId: `${did}#${multibase}`};
}

async function multikeyFrom({publicKeyMultibase, secretKeyMultibase}) {
  const {did, vmId} = didKeyParts(`did:key:${publicKeyMultibase}`);
  const {type} = decodePublicMultibase(publicKeyMultibase);
  const lib = type === 'Ed25519' ? Ed25519Multikey : EcdsaMultikey;
  return lib.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey', id: vmId, controller: did,
    publicKeyMultibase, secretKeyMultibase,
  });
}

async function generateMultikey(type) {
  let keyPair;
  if(type === 'Ed25519') {
    keyPair = await Ed25519Multikey.generate();
  } else if(type === 'P-256' || type === 'P-384') {
    keyPair = await EcdsaMultikey.generate({curve: type});
  } else {
    throw new Error(`cannot generate a ${type} key`);
  }
  // canonicalize: the Multikey form (Ed25519: the 32-byte seed); by default
  // ed25519-multikey exports its legacy 64-byte seed||public key, kept here as
  // legacySecretKeyMultibase so the tests can show how it is treated.
  const exported = await keyPair.export(
    {publicKey: true, secretKey: true, canonicalize: true});
  const legacy = await keyPair.export({publicKey: true, secretKey: true});
  return {
    publicKeyMultibase: exported.publicKeyMultibase,
    secretKeyMultibase: exported.secretKeyMultibase,
    legacySecretKeyMultibase: legacy.secretKeyMultibase,
  };
}

// ------------------------------------------------------------------ loader
const BUNDLED = (() => {
  const index = JSON.parse(
    readFileSync(path.join(CONTEXTS, 'index.json'), 'utf8'));
  const documents = new Map();
  for(const [url, entry] of Object.entries(index)) {
    documents.set(url, JSON.parse(
      readFileSync(path.join(CONTEXTS, entry.file), 'utf8')));
  }
  return documents;
})();

function didKeyDocument(url) {
  const {did, multibase, vmId} = didKeyParts(url);
  const method = {
    id: vmId, type: 'Multikey', controller: did, publicKeyMultibase: multibase,
  };
  if(url.includes('#')) {
    return {'@context': 'https://w3id.org/security/multikey/v1', ...method};
  }
  return {
    '@context': [
      'https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [method],
    authentication: [vmId],
    assertionMethod: [vmId],
    capabilityDelegation: [vmId],
    capabilityInvocation: [vmId],
  };
}

async function documentLoader(url) {
  let document;
  if(BUNDLED.has(url)) {
    document = structuredClone(BUNDLED.get(url));
  } else if(typeof url === 'string' && url.startsWith('did:key:')) {
    document = didKeyDocument(url);
  } else {
    throw new Error(`document loader refuses ${url}: not bundled, not did:key`);
  }
  return {contextUrl: null, documentUrl: url, document};
}

// ------------------------------------------------------------------ Data Integrity (RDFC)
function verifierSuites() {
  return Object.values(RDFC_SUITES).map(
    cryptosuite => new DataIntegrityProof({cryptosuite}));
}

function collectErrors(result, out = []) {
  if(!result || typeof result !== 'object') {
    return out;
  }
  const errors = Array.isArray(result.error) ? result.error :
    (result.error ? [result.error] : []);
  for(const error of errors) {
    out.push(String(error?.message ?? error));
    if(Array.isArray(error?.errors)) {
      for(const inner of error.errors) {
        out.push(String(inner?.message ?? inner));
      }
    }
  }
  for(const key of ['results', 'credentialResults']) {
    for(const inner of result[key] ?? []) {
      collectErrors(inner, out);
    }
  }
  if(result.presentationResult) {
    collectErrors(result.presentationResult, out);
  }
  return out;
}

function isPresentation(document) {
  const type = document?.type;
  return type === 'VerifiablePresentation' ||
    (Array.isArray(type) && type.includes('VerifiablePresentation'));
}

async function verify({document, challenge, domain, now}) {
  const common = {
    suite: verifierSuites(),
    documentLoader,
    // Status is Lianzheng's business; here only the proofs are compared.
    checkStatus: async () => ({verified: true}),
    now: now ?? undefined,
  };
  const result = isPresentation(document) ?
    await vc.verify({presentation: document, challenge, domain, ...common}) :
    await vc.verifyCredential({credential: document, ...common});
  return {verified: result.verified === true, errors: collectErrors(result)};
}

// Through the cryptosuite's own canonize, so the N-Quads are exactly what its
// proofs sign (it sets rdfDirection "i18n-datatype", unlike plain jsonld.js).
async function canonize({document, hash}) {
  const nquads = await eddsaRdfc2022.canonize(document, {
    documentLoader, messageDigestAlgorithm: hash ?? 'SHA-256'});
  return {nquads};
}

function setIssuer(credential, did) {
  if(credential.issuer && typeof credential.issuer === 'object') {
    credential.issuer = {...credential.issuer, id: did};
  } else {
    credential.issuer = did;
  }
}

async function signerSuite({cryptosuite, created, key, generate}) {
  const suite = RDFC_SUITES[cryptosuite];
  if(!suite) {
    throw new Error(`unknown cryptosuite ${cryptosuite}`);
  }
  const material = key ?? await generateMultikey(generate);
  const keyPair = await multikeyFrom({
    publicKeyMultibase: material.publicKeyMultibase,
    secretKeyMultibase: material.secretKeyMultibase,
  });
  return {
    suite: new DataIntegrityProof({
      signer: keyPair.signer(), date: created, cryptosuite: suite}),
    material,
    did: keyPair.controller,
  };
}

async function issue(request) {
  const {suite, material, did} = await signerSuite(request);
  const credential = structuredClone(request.credential);
  if(request.generate) {
    setIssuer(credential, did);
  }
  const document = await vc.issue({
    credential, suite, documentLoader, now: request.now ?? request.created});
  return {document, key: material};
}

async function prove(request) {
  const {suite, material, did} = await signerSuite(request);
  const presentation = structuredClone(request.presentation);
  if(request.generate && 'holder' in presentation) {
    presentation.holder = did;
  }
  for(const item of request.issue ?? []) {
    const {document} = await issue(item);
    const list = presentation.verifiableCredential;
    presentation.verifiableCredential =
      list === undefined ? [document] :
        (Array.isArray(list) ? [...list, document] : [list, document]);
  }
  const document = await vc.signPresentation({
    presentation, suite, documentLoader,
    challenge: request.challenge, domain: request.domain,
  });
  return {document, key: material};
}

// ------------------------------------------------------------------ JCS
function jcs({json}) {
  const canonical = canonicalize(JSON.parse(json));
  return {canonical: Buffer.from(canonical, 'utf8').toString('base64')};
}

// eddsa-jcs-2022 (W3C vc-di-eddsa §3.3) and ecdsa-jcs-2019 (vc-di-ecdsa §3.4):
// hashData = H(JCS(proofConfig)) || H(JCS(document without proof)), where
// proofConfig is the proof without proofValue, carrying the document's
// @context. Ed25519 signs hashData itself; ECDSA signs it with the curve's
// hash (P-256: SHA-256, P-384: SHA-384) and an IEEE P1363 r||s signature.
const JCS_SUITES = {
  'eddsa-jcs-2022': new Set(['Ed25519']),
  'ecdsa-jcs-2019': new Set(['P-256', 'P-384']),
};

function hashName(type) {
  return type === 'P-384' ? 'sha384' : 'sha256';
}

function jcsHashData(unsecured, proofConfig, type) {
  const h = data => crypto.createHash(hashName(type))
    .update(Buffer.from(canonicalize(data), 'utf8')).digest();
  return Buffer.concat([h(proofConfig), h(unsecured)]);
}

function jcsSignature(type, keyObject, data, signature) {
  const options = type === 'Ed25519' ? keyObject :
    {key: keyObject, dsaEncoding: 'ieee-p1363'};
  const algorithm = type === 'Ed25519' ? null : hashName(type);
  if(signature === undefined) {
    return crypto.sign(algorithm, data, options);
  }
  return crypto.verify(algorithm, data, options, signature);
}

function jcsSign(request) {
  const {document, cryptosuite, jwk, verificationMethod, created} = request;
  const type = jwk.crv;
  if(!JCS_SUITES[cryptosuite]?.has(type)) {
    throw new Error(`${cryptosuite} cannot use a ${type} key`);
  }
  const unsecured = structuredClone(document);
  delete unsecured.proof;
  const proof = {
    type: 'DataIntegrityProof', cryptosuite, created, verificationMethod,
    proofPurpose: request.proofPurpose ?? 'assertionMethod',
  };
  for(const name of ['challenge', 'domain']) {
    if(request[name] !== undefined) {
      proof[name] = request[name];
    }
  }
  if('@context' in unsecured) {
    proof['@context'] = unsecured['@context'];
  }
  const key = crypto.createPrivateKey({key: jwk, format: 'jwk'});
  const signature = jcsSignature(
    type, key, jcsHashData(unsecured, proof, type));
  return {
    document: {...unsecured, proof: {...proof, proofValue: 'z' + b58encode(signature)}},
  };
}

function jcsVerify({document}) {
  const {proof, ...unsecured} = document;
  if(!proof || typeof proof !== 'object' || Array.isArray(proof)) {
    return {verified: false, reason: 'exactly one proof object expected'};
  }
  const {proofValue, ...config} = proof;
  if(config.type !== 'DataIntegrityProof' || !JCS_SUITES[config.cryptosuite]) {
    return {verified: false, reason: 'not a JCS Data Integrity proof'};
  }
  if('@context' in config) {
    // §3.x verify: the document's @context must start with the proof's.
    const doc = [].concat(unsecured['@context'] ?? []);
    const own = [].concat(config['@context']);
    if(!own.every((value, i) =>
      JSON.stringify(value) === JSON.stringify(doc[i]))) {
      return {verified: false, reason: 'proof @context mismatch'};
    }
  }
  const {multibase} = didKeyParts(config.verificationMethod);
  const jwk = publicJwkFromMultibase(multibase);
  const type = jwk.crv;
  if(!JCS_SUITES[config.cryptosuite].has(type)) {
    return {verified: false, reason: `${config.cryptosuite} with ${type} key`};
  }
  if(typeof proofValue !== 'string' || !proofValue.startsWith('z')) {
    return {verified: false, reason: 'proofValue is not base58btc'};
  }
  const signature = b58decode(proofValue.slice(1));
  const key = crypto.createPublicKey({key: jwk, format: 'jwk'});
  const verified = jcsSignature(
    type, key, jcsHashData(unsecured, config, type), signature);
  return verified ? {verified} : {verified, reason: 'signature'};
}

// ------------------------------------------------------------------ VC-JOSE
const JOSE_ALG = {Ed25519: 'EdDSA', 'P-256': 'ES256', 'P-384': 'ES384'};

async function jwtIssue({payload, jwk, kid, header}) {
  const alg = JOSE_ALG[jwk.crv];
  const key = await jose.importJWK(jwk, alg);
  const token = await new jose.CompactSign(
    new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header ?? {alg, typ: 'vc+jwt', cty: 'vc', kid})
    .sign(key);
  return {token};
}

async function jwtVerify({token, now}) {
  const header = jose.decodeProtectedHeader(token);
  const {multibase} = didKeyParts(header.kid);
  const jwk = publicJwkFromMultibase(multibase);
  const alg = JOSE_ALG[jwk.crv];
  const key = await jose.importJWK(jwk, alg);
  try {
    const {payload, protectedHeader} = await jose.jwtVerify(token, key, {
      algorithms: [alg], typ: 'vc+jwt',
      currentDate: now ? new Date(now) : undefined,
    });
    return {verified: true, header: protectedHeader, payload};
  } catch(error) {
    return {verified: false, header, errors: [`${error.code}: ${error.message}`]};
  }
}

// ------------------------------------------------------------------ main
const ACTIONS = {
  verify,
  canonize,
  issue,
  prove,
  jcs,
  'jcs-sign': jcsSign,
  'jcs-verify': jcsVerify,
  'jwt-issue': jwtIssue,
  'jwt-verify': jwtVerify,
};

async function handle(request) {
  const action = ACTIONS[request?.action];
  if(!action) {
    return {error: `unknown action ${JSON.stringify(request?.action)}`};
  }
  try {
    return await action(request);
  } catch(error) {
    return {error: String(error?.stack ?? error)};
  }
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const results = [];
  // Sequential: results must not depend on scheduling, and errors stay attributable.
  for(const request of requests) {
    results.push(await handle(request));
  }
  process.stdout.write(JSON.stringify(results));
}

await main();

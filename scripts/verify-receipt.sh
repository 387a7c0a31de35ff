#!/usr/bin/env bash
# Verifies a lienthong delivery receipt (a JWS compact file) with openssl and coreutils only, so an
# auditor needs nothing from us but the hub's certificate chain and the CA certificate.
# Usage: scripts/verify-receipt.sh receipt.jws hub-chain.pem ca.pem
# The steps are explained one by one in docs/verify-receipt.md.
set -euo pipefail

die() { printf 'verify-receipt: %s\n' "$*" >&2; exit 1; }

[ "$#" -eq 3 ] || { printf 'usage: %s receipt.jws hub-chain.pem ca.pem\n' "$0" >&2; exit 2; }
receipt=$1 chain=$2 ca=$3
for f in "$receipt" "$chain" "$ca"; do [ -r "$f" ] || die "cannot read $f"; done
command -v openssl >/dev/null || die 'openssl is not installed'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# base64url (RFC 4648 §5, unpadded) to bytes: swap the alphabet back and restore the padding.
b64url_decode() {
  local s
  s=$(tr -- '-_' '+/')
  case $(( ${#s} % 4 )) in 2) s="$s==" ;; 3) s="$s=" ;; 1) die 'invalid base64url length' ;; esac
  printf '%s' "$s" | base64 -d
}

# 1. Split the JWS into header.payload.signature.
jws=$(tr -d ' \t\r\n' <"$receipt")
IFS=. read -r h p s extra <<<"$jws" || true
[ -n "${h:-}" ] && [ -n "${p:-}" ] && [ -n "${s:-}" ] && [ -z "${extra:-}" ] || die "$receipt is not a JWS compact serialisation"
header=$(printf '%s' "$h" | b64url_decode) || die 'header is not base64url'
printf '%s' "$p" | b64url_decode >"$tmp/payload.json" || die 'payload is not base64url'
printf '%s' "$s" | b64url_decode >"$tmp/sig.raw" || die 'signature is not base64url'
printf '%s.%s' "$h" "$p" >"$tmp/input.txt" # the JWS signing input: exactly the first two parts

[[ $header =~ \"alg\"[[:space:]]*:[[:space:]]*\"([A-Za-z0-9]+)\" ]] || die 'header has no alg'
alg=${BASH_REMATCH[1]}

# 2. The hub leaf is the first certificate of the chain; it must chain to the CA (intermediates untrusted).
openssl x509 -in "$chain" -out "$tmp/leaf.pem" 2>/dev/null || die "no certificate in $chain"
openssl verify -CAfile "$ca" -untrusted "$chain" "$tmp/leaf.pem" >"$tmp/verify.log" 2>&1 ||
  { cat "$tmp/verify.log" >&2; die 'the hub certificate does not chain to the CA'; }

# 3. If the receipt names its signer (x5c[0]), it must be that same leaf.
if [[ $header =~ \"x5c\"[[:space:]]*:[[:space:]]*\[[[:space:]]*\"([A-Za-z0-9+/=]+)\" ]]; then
  printf '%s' "${BASH_REMATCH[1]}" | base64 -d >"$tmp/x5c0.der"
  signer=$(openssl x509 -inform DER -in "$tmp/x5c0.der" -noout -fingerprint -sha256)
  hubleaf=$(openssl x509 -in "$tmp/leaf.pem" -noout -fingerprint -sha256)
  [ "$signer" = "$hubleaf" ] || die "the receipt was signed by another certificate ($signer) than the leaf of $chain ($hubleaf)"
fi
openssl x509 -in "$tmp/leaf.pem" -noout -pubkey >"$tmp/pub.pem"

# 4. Bring the signature into the form openssl expects.
case $alg in
  RS256) cp "$tmp/sig.raw" "$tmp/sig.der" ;; # RSASSA-PKCS1-v1_5: already the raw signature
  ES256)
    # JWS carries r‖s (32 bytes each, RFC 7518 §3.4); openssl wants DER SEQUENCE { INTEGER r, INTEGER s }.
    hex=$(od -An -v -tx1 "$tmp/sig.raw" | tr -d ' \n')
    [ "${#hex}" -eq 128 ] || die "ES256 signature must be 64 bytes, got $(( ${#hex} / 2 ))"
    printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' "${hex:0:64}" "${hex:64:64}" >"$tmp/sig.cnf"
    openssl asn1parse -genconf "$tmp/sig.cnf" -out "$tmp/sig.der" -noout
    ;;
  *) die "unsupported alg $alg (expected ES256 or RS256)" ;;
esac

# 5. Verify the signature over the signing input with the leaf's public key.
openssl dgst -sha256 -verify "$tmp/pub.pem" -signature "$tmp/sig.der" "$tmp/input.txt" >"$tmp/dgst.log" 2>&1 ||
  { cat "$tmp/dgst.log" >&2; die 'the signature does not verify'; }

cat "$tmp/payload.json"
printf '\nVerified OK\n'

#!/usr/bin/env bash
# Verifies a lienthong evidence bundle with openssl alone (plus bash, grep, sed, cut, tr).
# Run it in the unpacked bundle:   bash verify.sh [CA.pem]
# CA.pem: the hub's CA certificate(s) as YOU obtained them (default certificates/ca.pem, the copy in
# the bundle: compare its fingerprint with the published one: openssl x509 -noout -fingerprint -sha256 -in certificates/ca.pem).
# What each step proves is explained in VERIFY.md.
set -euo pipefail
cd "$(dirname "$0")"
ca=${1:-certificates/ca.pem}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok  %s\n' "$*"; }
sha256() { openssl dgst -sha256 -r "$1" | cut -d' ' -f1; }
hex2bin() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }
b64url() {
  local s; s=$(tr -- '-_' '+/' <<<"$1" | tr -d '\n')
  case $(( ${#s} % 4 )) in 2) s="$s==" ;; 3) s="$s=" ;; esac
  openssl base64 -d -A <<<"$s"
}
# A PEM chain (signer first) must lead to the CA; prints the signer's public key into $2.
trusted_key() {
  openssl x509 -in "$1" -out "$tmp/leaf.pem" 2>/dev/null || fail "no certificate in $1"
  openssl verify -CAfile "$ca" -untrusted "$1" "$tmp/leaf.pem" >"$tmp/verify.log" 2>&1 || { cat "$tmp/verify.log" >&2; fail "$1 does not chain to $ca"; }
  openssl x509 -in "$tmp/leaf.pem" -noout -pubkey >"$2"
}

# 1. The message: what the receipts are about.
content=$(sha256 message/content.json)
ok "message/content.json  SHA-256 $content"

# 1b. The edXML packet as forwarded, with the hub's XML signature (xmlsec1 judges it).
if [ -e message/forwarded.edxml ]; then
  if command -v xmlsec1 >/dev/null; then
    xmlsec1 --verify --enabled-reference-uris empty --enabled-key-data x509 --trusted-pem "$ca" message/forwarded.edxml >"$tmp/xmlsec.log" 2>&1 ||
      { cat "$tmp/xmlsec.log" >&2; fail 'message/forwarded.edxml: the XML signature does not verify'; }
    ok "message/forwarded.edxml  XML signature (xmlsec1)"
  else
    printf 'NOTE message/forwarded.edxml not checked: xmlsec1 is not installed\n'
  fi
fi

# 2. Receipts: signed by a certified hub key, over exactly the JWS's first two parts, about this content.
for jws in receipts/*.jws; do
  [ -e "$jws" ] || break
  base=${jws%.jws}
  trusted_key "$base.signer.pem" "$tmp/receipt-key.pem"
  [ "$(tr -d '\r\n' <"$jws" | cut -d. -f1,2)" = "$(cat "$base.input")" ] || fail "$base.input is not the signed part of $jws"
  openssl dgst -sha256 -verify "$tmp/receipt-key.pem" -signature "$base.sig" "$base.input" >/dev/null || fail "$jws: the signature does not verify"
  payload=$(b64url "$(tr -d '\r\n' <"$jws" | cut -d. -f2)")
  grep -q "\"contentSha256\":\"$content\"" <<<"$payload" || fail "$jws is not about message/content.json"
  ok "$jws"
done

# 3. Checkpoints: statements signed by a certified hub key (and time-stamped, when a .tsr is there).
for cp in audit/checkpoints/*.json; do
  [ -e "$cp" ] || fail 'no checkpoint in the bundle'
  n=${cp%.json}
  kid=$(grep -o '"kid":"[^"]*"' "$cp" | head -1 | cut -d'"' -f4)
  trusted_key "certificates/checkpoint-signer-$kid.pem" "$tmp/checkpoint-key.pem"
  openssl dgst -sha256 -verify "$tmp/checkpoint-key.pem" -signature "$n.sig" "$cp" >/dev/null || fail "$cp: the signature does not verify"
  if [ -e "$n.tsr" ]; then
    [ -e certificates/tsa-ca.pem ] || fail "$n.tsr: certificates/tsa-ca.pem is missing"
    openssl ts -verify -data "$cp" -in "$n.tsr" -CAfile certificates/tsa-ca.pem >"$tmp/ts.log" 2>&1 || { cat "$tmp/ts.log" >&2; fail "$n.tsr does not verify"; }
    ok "$cp (signed; RFC 3161 timestamp $(openssl ts -reply -in "$n.tsr" -text 2>/dev/null | grep '^Time stamp:' | cut -d' ' -f3-))"
  else
    ok "$cp (signed)"
  fi
done

# 4. Chain segments: each link is SHA-256(previous hash ‖ digest) and the last is the hash the checkpoint signed.
for segment in audit/chain/*.txt; do
  [ -e "$segment" ] || fail 'no chain segment in the bundle'
  n=$(basename "$segment" .txt)
  prev=$(grep '^prev ' "$segment" | cut -d' ' -f2)
  while read -r seq digest hash; do
    computed=$({ hex2bin "$prev"; hex2bin "$digest"; } | openssl dgst -sha256 -r | cut -d' ' -f1)
    [ "$computed" = "$hash" ] || fail "$segment: the link at seq $seq does not hold"
    prev=$computed
  done < <(grep -E '^[0-9]+ ' "$segment")
  signed=$(grep -o '"hash":"[0-9a-f]*"' "audit/checkpoints/$n.json" | head -1 | cut -d'"' -f4)
  [ "$prev" = "$signed" ] || fail "$segment ends at $prev, checkpoint $n signed $signed"
  ok "$segment reaches checkpoint $n"
done

# 5. The message's audit events: each one's digest is a link of a verified segment.
for event in audit/events/*.json; do
  [ -e "$event" ] || break
  seq=$(basename "$event" .json)
  grep -q "^$seq $(sha256 "$event") " audit/chain/*.txt || fail "$event is not the event at seq $seq of the chain"
  ok "$event"
done
echo 'EVIDENCE VERIFIED'

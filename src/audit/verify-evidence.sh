#!/usr/bin/env bash
# Verifies a lienthong evidence bundle with openssl alone (plus bash 4, grep, sed, cut, tr).
# Run it in (or on) the unpacked bundle, with trust anchors YOU obtained, not the bundle's copies:
#   bash verify.sh --ca HUB-CA.pem --hub-keys HUB-KEYS.pem [--tsa-ca TSA-CA.pem]
# or set EVIDENCE_HUB_CA, EVIDENCE_HUB_KEYS, EVIDENCE_TSA_CA (a lone first argument is the hub CA).
#   HUB-CA.pem    the hub's CA certificate(s), as published (compare SHA-256 fingerprints)
#   HUB-KEYS.pem  the hub's own certificates, active and retired: what every signature in the bundle
#                 must have been made with, e.g. curl -fsS "$HUB_URL/v1/hub/keys" | jq -r '.keys[].chainPem'
#   TSA-CA.pem    the CA of the time-stamping authority (needed when the checkpoints are time-stamped)
# Exit status: 0 EVIDENCE VERIFIED; 1 a check failed; 2 every check passed, but some of the trust came
# from the bundle itself (its certificates/ca.pem or tsa-ca.pem, or signers not compared with the hub's keys).
# What each step proves is explained in VERIFY.md.
set -euo pipefail
export LC_ALL=C # byte-wise names and patterns: [0-9] is the ten ASCII digits and nothing else
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }
ok() { printf 'ok  %s\n' "$*"; }
absolute() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }

ca=${EVIDENCE_HUB_CA:-} hub_keys=${EVIDENCE_HUB_KEYS:-} tsa_ca=${EVIDENCE_TSA_CA:-}
while [ $# -gt 0 ]; do
  case $1 in
    --ca) ca=${2:-}; shift 2 || fail '--ca needs a file' ;;
    --hub-keys) hub_keys=${2:-}; shift 2 || fail '--hub-keys needs a file' ;;
    --tsa-ca) tsa_ca=${2:-}; shift 2 || fail '--tsa-ca needs a file' ;;
    -*) fail "unknown option $1 (usage: bash verify.sh --ca HUB-CA.pem --hub-keys HUB-KEYS.pem [--tsa-ca TSA-CA.pem])" ;;
    *) ca=$1; shift ;;
  esac
done
for anchor in "$ca" "$hub_keys" "$tsa_ca"; do [ -z "$anchor" ] || [ -r "$anchor" ] || fail "cannot read $anchor"; done
[ -z "$ca" ] || ca=$(absolute "$ca")
[ -z "$hub_keys" ] || hub_keys=$(absolute "$hub_keys")
[ -z "$tsa_ca" ] || tsa_ca=$(absolute "$tsa_ca")
cd "$(dirname "$0")"
ca_from_bundle=
[ -n "$ca" ] || { ca=certificates/ca.pem; ca_from_bundle=1; }
tsa_from_bundle=
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sha256() { openssl dgst -sha256 -r "$1" | cut -d' ' -f1; }
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
key_id() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | openssl base64 -A | tr -- '+/' '-_' | tr -d '='; }
is_ca() { openssl x509 -in "$1" -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE'; }
hex2bin() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }
b64url() {
  local s; s=$(tr -- '-_' '+/' <<<"$1" | tr -d '\n')
  case $(( ${#s} % 4 )) in 2) s="$s==" ;; 3) s="$s=" ;; esac
  openssl base64 -d -A <<<"$s"
}

# The hub's keys as the auditor pinned them: the SHA-256 fingerprints of the end-entity certificates in HUB-KEYS.pem.
: >"$tmp/pinned"
if [ -n "$hub_keys" ]; then
  block=
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case $line in
      '-----BEGIN CERTIFICATE-----') block=$line$'\n' ;;
      '-----END CERTIFICATE-----')
        [ -n "$block" ] || continue
        printf '%s%s\n' "$block" "$line" >"$tmp/pin.pem"
        block=
        is_ca "$tmp/pin.pem" || fingerprint "$tmp/pin.pem" >>"$tmp/pinned" ;;
      *) [ -z "$block" ] || block+=$line$'\n' ;;
    esac
  done <"$hub_keys"
  [ -s "$tmp/pinned" ] || fail "$hub_keys holds no hub certificate (only CA certificates, or none)"
fi

# A PEM chain (signer first) must lead to the CA, its signer must be an end entity and (when pinned)
# one of the hub's keys; prints the signer's public key into $2 (the signer's certificate stays in $tmp/leaf.pem).
trusted_key() {
  openssl x509 -in "$1" -out "$tmp/leaf.pem" 2>/dev/null || fail "no certificate in $1"
  openssl verify -CAfile "$ca" -untrusted "$1" "$tmp/leaf.pem" >"$tmp/verify.log" 2>&1 || { cat "$tmp/verify.log" >&2; fail "$1 does not chain to $ca"; }
  ! is_ca "$tmp/leaf.pem" || fail "$1: the signer's certificate is a CA certificate"
  if [ -n "$hub_keys" ]; then
    grep -qxF "$(fingerprint "$tmp/leaf.pem")" "$tmp/pinned" || fail "$1: the signer is not one of the hub's keys in $hub_keys"
  fi
  openssl x509 -in "$tmp/leaf.pem" -noout -pubkey >"$2"
}

# 0. The manifest: signed by the hub; every other file is listed in it with its SHA-256, and nothing else is here.
[ -f manifest.json ] && [ -f manifest.sig ] || fail 'manifest.json or manifest.sig is missing'
trusted_key certificates/manifest-signer.pem "$tmp/manifest-key.pem"
openssl dgst -sha256 -verify "$tmp/manifest-key.pem" -signature manifest.sig manifest.json >/dev/null || fail 'manifest.json: the signature does not verify'
declare -A listed=()
while read -r digest path; do
  listed[$path]=$digest
  [ -f "$path" ] && [ ! -L "$path" ] || fail "$path is listed in manifest.json but missing"
done < <(sed -n '/^  "files": {$/,/^  }/s/^    "\([^"\\]*\)": "\([0-9a-f]\{64\}\)",\{0,1\}$/\2 \1/p' manifest.json)
[ ${#listed[@]} -gt 0 ] || fail 'manifest.json lists no files'
while read -r digest path; do # one openssl for all files: `<hex> *<path>`
  [ "${listed[${path#\*}]}" = "$digest" ] || fail "${path#\*} is not the file manifest.json lists (its SHA-256 differs)"
done < <(openssl dgst -sha256 -r "${!listed[@]}")
shopt -s globstar dotglob nullglob
for path in **; do
  if [ -d "$path" ] && [ ! -L "$path" ]; then continue; fi
  case $path in manifest.json | manifest.sig | certificates/manifest-signer.pem) continue ;; esac
  [[ $path =~ ^[A-Za-z0-9_./-]+$ ]] || fail "$path is not listed in manifest.json (and is no name the hub gives a file)"
  [ -n "${listed[$path]+listed}" ] || fail "$path is not listed in manifest.json"
done
shopt -u globstar dotglob nullglob
message_id=$(sed -n 's/^    "id": "\([0-9a-f-]\{36\}\)",\{0,1\}$/\1/p' manifest.json | head -1)
[ -n "$message_id" ] || fail 'manifest.json names no message id'
ok "manifest.json  signed by the hub; ${#listed[@]} files, none missing, altered or added"

# 1. The message: what the receipts are about.
content=$(sha256 message/content.json)
grep -qxE "    \"contentSha256\": \"$content\",?" manifest.json || fail 'message/content.json is not the content manifest.json names'
ok "message/content.json  SHA-256 $content (message $message_id)"

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

# 2. Receipts: signed by a hub key, over exactly the JWS's first two parts, receipts (typ) of the event
#    their name says, about this message and this content; the `accepted` receipt at least.
accepted=0
for jws in receipts/*.jws; do
  [ -e "$jws" ] || break
  base=${jws%.jws}
  event=${base##*-}
  case $event in accepted | delivered | status | failed) ;; *) fail "$jws: \"$event\" is not a receipt event" ;; esac
  trusted_key "$base.signer.pem" "$tmp/receipt-key.pem"
  [ "$(tr -d '\r\n' <"$jws" | cut -d. -f1,2)" = "$(cat "$base.input")" ] || fail "$base.input is not the signed part of $jws"
  openssl dgst -sha256 -verify "$tmp/receipt-key.pem" -signature "$base.sig" "$base.input" >/dev/null || fail "$jws: the signature does not verify"
  header=$(b64url "$(tr -d '\r\n' <"$jws" | cut -d. -f1)")
  grep -qF '"typ":"lienthong-receipt+jws"' <<<"$header" || fail "$jws is not a receipt (its typ is not lienthong-receipt+jws)"
  payload=$(b64url "$(tr -d '\r\n' <"$jws" | cut -d. -f2)")
  grep -qF "\"event\":\"$event\"" <<<"$payload" || fail "$jws is not an $event receipt"
  grep -qF "\"messageId\":\"$message_id\"" <<<"$payload" || fail "$jws is not about message $message_id"
  grep -qF "\"contentSha256\":\"$content\"" <<<"$payload" || fail "$jws is not about message/content.json"
  [ "$event" != accepted ] || accepted=$((accepted + 1))
  ok "$jws"
done
[ "$accepted" -gt 0 ] || fail 'no accepted receipt in the bundle (the hub signs one for every message it takes)'

# 3. Checkpoints: statements signed by a hub key (and time-stamped, when a .tsr is there).
for cp in audit/checkpoints/*.json; do
  [ -e "$cp" ] || fail 'no checkpoint in the bundle'
  n=${cp%.json}
  [[ ${n#audit/checkpoints/} =~ ^[1-9][0-9]*$ ]] || fail "$cp: not a checkpoint file (audit/checkpoints holds <seq>.json)"
  kid=$(grep -o '"kid":"[^"]*"' "$cp" | head -1 | cut -d'"' -f4)
  [[ $kid =~ ^[A-Za-z0-9_-]+$ ]] || fail "$cp: no key id"
  trusted_key "certificates/checkpoint-signer-$kid.pem" "$tmp/checkpoint-key.pem"
  [ "$(key_id "$tmp/leaf.pem")" = "$kid" ] || fail "certificates/checkpoint-signer-$kid.pem is not the certificate of key $kid"
  openssl dgst -sha256 -verify "$tmp/checkpoint-key.pem" -signature "$n.sig" "$cp" >/dev/null || fail "$cp: the signature does not verify"
  grep -q "\"seq\":${n#audit/checkpoints/}[,}]" "$cp" || fail "$cp is not the checkpoint at seq ${n#audit/checkpoints/}"
  if [ -e "$n.tsr" ]; then
    tsa_anchor=$tsa_ca note=
    if [ -z "$tsa_anchor" ]; then
      tsa_anchor=certificates/tsa-ca.pem tsa_from_bundle=1 note=' — TSA CA from the bundle, NOT an independent anchor'
      [ -e "$tsa_anchor" ] || fail "$n.tsr: give the TSA's CA certificate (--tsa-ca)"
    fi
    openssl ts -verify -data "$cp" -in "$n.tsr" -CAfile "$tsa_anchor" >"$tmp/ts.log" 2>&1 || { cat "$tmp/ts.log" >&2; fail "$n.tsr does not verify"; }
    ok "$cp (signed; RFC 3161 timestamp $(openssl ts -reply -in "$n.tsr" -text 2>/dev/null | grep '^Time stamp:' | cut -d' ' -f3-)$note)"
  else
    ok "$cp (signed)"
  fi
done

# 4. Chain segments: each link is SHA-256(previous hash ‖ digest), seq by seq, and the last is the hash
#    the checkpoint signed. The (seq, digest) pairs of the links that hold go to $tmp/links.
: >"$tmp/links"
for segment in audit/chain/*.txt; do
  [ -e "$segment" ] || fail 'no chain segment in the bundle'
  n=$(basename "$segment" .txt)
  [[ $n =~ ^[1-9][0-9]*$ ]] && [ -e "audit/checkpoints/$n.json" ] || fail "$segment: no checkpoint $n for it"
  ! grep -qvE '^(#.*|prev [0-9a-f]{64}|[1-9][0-9]* [0-9a-f]{64} [0-9a-f]{64})$' "$segment" || fail "$segment: a line is not a comment, the prev hash or a link"
  [ "$(grep -c '^prev ' "$segment")" = 1 ] || fail "$segment: not exactly one prev line"
  prev=$(grep '^prev ' "$segment" | cut -d' ' -f2)
  last=
  while read -r seq digest hash; do
    [ -z "$last" ] || [ "$seq" = $((last + 1)) ] || fail "$segment: seq $seq does not follow seq $last"
    computed=$({ hex2bin "$prev"; hex2bin "$digest"; } | openssl dgst -sha256 -r | cut -d' ' -f1)
    [ "$computed" = "$hash" ] || fail "$segment: the link at seq $seq does not hold"
    printf '%s %s\n' "$seq" "$digest" >>"$tmp/links"
    prev=$computed last=$seq
  done < <(grep -E '^[0-9]' "$segment")
  [ "$last" = "$n" ] || fail "$segment ends at seq ${last:-(none)}, not at its checkpoint $n"
  signed=$(grep -o '"hash":"[0-9a-f]*"' "audit/checkpoints/$n.json" | head -1 | cut -d'"' -f4)
  [ "$prev" = "$signed" ] || fail "$segment ends at $prev, checkpoint $n signed $signed"
  ok "$segment reaches checkpoint $n"
done

# 5. The message's audit events (audit/events holds <seq>.json and nothing else): each one's digest
#    is the digest of the link at its seq in a segment step 4 verified.
events=0
for event in audit/events/*; do
  [ -e "$event" ] || break
  name=${event#audit/events/}
  [[ $name =~ ^[1-9][0-9]*\.json$ ]] || fail "$event: not an audit event file (audit/events holds <seq>.json only)"
  seq=${name%.json}
  grep -qxF "$seq $(sha256 "$event")" "$tmp/links" || fail "$event is not the event at seq $seq of the chain"
  events=$((events + 1))
  ok "$event"
done
[ "$events" -gt 0 ] || fail 'no audit event in the bundle'

# The verdict: only trust anchors the auditor supplied make it VERIFIED.
unanchored=()
[ -z "$ca_from_bundle" ] || unanchored+=('certificate chains: checked against certificates/ca.pem FROM THE BUNDLE, not your copy of the hub CA (--ca)')
[ -n "$hub_keys" ] || unanchored+=("signers: NOT compared with the hub's keys (--hub-keys): any key the CA certifies was accepted")
[ -z "$tsa_from_bundle" ] || unanchored+=('RFC 3161 timestamps: checked against certificates/tsa-ca.pem FROM THE BUNDLE, not your copy of the TSA CA (--tsa-ca)')
if [ ${#unanchored[@]} -gt 0 ]; then
  printf 'NOT CHECKED against an independent trust anchor:\n'
  printf '  - %s\n' "${unanchored[@]}"
  echo 'EVIDENCE CONSISTENT, BUT NOT VERIFIED: it holds together, but only on trust the bundle supplies'
  exit 2
fi
echo 'EVIDENCE VERIFIED'

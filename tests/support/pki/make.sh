#!/usr/bin/env bash
# Remakes the test PKI: a CA, and server certificates it signed for 127.0.0.1 and
# localhost (valid until 2126), for other.example only (a name mismatch), and for
# 127.0.0.1 that expired on 2020-02-01; and a client certificate it signed, for
# mutual TLS. Run from this folder; needs openssl.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1-key.pem" -out "$work/$1.csr" -subj "/CN=$1" 2>/dev/null; }
ext() { printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$2" > "$work/$1.ext"; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca-key.pem" \
  -out ca-cert.pem -days 36500 -subj "/CN=gather test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
for spec in "localhost IP:127.0.0.1,DNS:localhost,DNS:test.gather.example" \
            "wrongname DNS:other.example,DNS:www.other.example"; do
  set -- $spec
  key "$1"; ext "$1" "$2"
  openssl x509 -req -in "$work/$1.csr" -CA ca-cert.pem -CAkey "$work/ca-key.pem" -CAcreateserial \
    -CAserial "$work/serial" -days 36500 -extfile "$work/$1.ext" -out "$1-cert.pem" 2>/dev/null
done
key client
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' > "$work/client.ext"
openssl x509 -req -in "$work/client.csr" -CA ca-cert.pem -CAkey "$work/ca-key.pem" -CAcreateserial \
  -CAserial "$work/serial" -days 36500 -extfile "$work/client.ext" -out client-cert.pem 2>/dev/null
# An expired certificate needs explicit dates, which only `openssl ca` takes.
mkdir "$work/db"; touch "$work/db/index.txt"; echo 1000 > "$work/db/serial"
printf '[ca]\ndefault_ca=t\n[t]\ndatabase=%s/db/index.txt\nserial=%s/db/serial\nnew_certs_dir=%s/db\ncertificate=ca-cert.pem\nprivate_key=%s/ca-key.pem\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' \
  "$work" "$work" "$work" "$work" > "$work/ca.cnf"
key expired; ext expired "IP:127.0.0.1,DNS:localhost"
openssl ca -batch -config "$work/ca.cnf" -startdate 20200101000000Z -enddate 20200201000000Z \
  -extfile "$work/expired.ext" -in "$work/expired.csr" -out expired-cert.pem -notext 2>/dev/null

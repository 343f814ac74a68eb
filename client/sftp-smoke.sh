#!/bin/sh
# sftp-smoke: checks the SFTP path with OpenSSH: host key pinned by its
# fingerprint (never trust on first use), upload, download, compare, delete.
# usage: sftp-smoke --user NAME [--host HOST] [--port PORT] [--identity KEY]
#   FTP_HOST or /etc/ftp-smoke/host; SFTP_HOST_KEY_FINGERPRINT (SHA256:...)
#   or /etc/ftp-smoke/sftp-host-key-fingerprint. Without --identity the
#   password is SFTP_PASSWORD or stdin's first line, handed to ssh through
#   SSH_ASKPASS (never in argv). SFTP_SMOKE_SIZE bytes (65536).
# exit: 0 OK  2 usage  3 cannot connect  4 login refused  6 checksum
#   mismatch  8 other SFTP error  10 host key does not match the pin
set -u
umask 077
fail() {
  c=$1 && printf 'FAIL: %s\n' "$2" >&2 && shift 2
  for d in "$@"; do [ -n "$d" ] && printf '  %s\n' "$d" >&2; done
  exit "$c"
}
user='' host=${FTP_HOST:-} port=22 identity='' work=''
trap '[ -n "$work" ] && rm -rf "$work"' EXIT
while [ $# -gt 0 ]; do
  case $1 in
    --user | --host | --port | --identity) [ $# -ge 2 ] || fail 2 "$1 needs a value"; eval "${1#--}=\$2"; shift 2 ;;
    *) fail 2 "unexpected argument (not shown: it might be a password)" ;;
  esac
done
[ -n "$host" ] || host=$(sed -n 1p /etc/ftp-smoke/host 2>/dev/null)
pin=${SFTP_HOST_KEY_FINGERPRINT:-$(sed -n 1p /etc/ftp-smoke/sftp-host-key-fingerprint 2>/dev/null)}
case $host in '' | *[!A-Za-z0-9.:-]*) fail 2 "bad or no host" ;; esac
case $user in '' | [!A-Za-z0-9]* | *[!A-Za-z0-9._@-]*) fail 2 "bad or no user" ;; esac
case $port in '' | *[!0-9]*) fail 2 "bad port" ;; esac
case $pin in SHA256:?*) ;; *) fail 2 "no pinned host key fingerprint (SHA256:...)" ;; esac
case $identity in *[!A-Za-z0-9._/@+,:=-]*) fail 2 "--identity: unusual characters in the path" ;; esac
[ -z "$identity" ] || [ -r "$identity" ] || fail 2 "--identity $identity is not readable"
work=$(mktemp -d "${TMPDIR:-/tmp}/sftp-smoke.XXXXXX") || fail 2 "no temporary directory"
auth="-o PreferredAuthentications=publickey -o IdentitiesOnly=yes -o BatchMode=yes -i $identity"
if [ -z "$identity" ]; then
  pw=${SFTP_PASSWORD-}
  unset SFTP_PASSWORD
  [ -n "$pw" ] || IFS= read -r pw || true
  [ -n "$pw" ] || fail 2 "no password: set SFTP_PASSWORD or give it on stdin"
  printf '#!/bin/sh\nprintf "%%s\\n" "$SFTP_SMOKE_SECRET"\n' >"$work/askpass" && chmod 700 "$work/askpass"
  export SFTP_SMOKE_SECRET="$pw" SSH_ASKPASS="$work/askpass" SSH_ASKPASS_REQUIRE=force
  auth="-o PreferredAuthentications=password,keyboard-interactive -o PubkeyAuthentication=no -o NumberOfPasswordPrompts=1 -o BatchMode=no"
fi
# Pinning: of the keys the server offers, only one whose fingerprint is the pin goes into known_hosts.
ssh-keyscan -T 10 -p "$port" "$host" 2>/dev/null >"$work/offered"
while read -r line; do
  printf '%s\n' "$line" >"$work/one"
  [ "$(ssh-keygen -lf "$work/one" 2>/dev/null | cut -d ' ' -f 2)" = "$pin" ] && cat "$work/one" >>"$work/known_hosts"
done <"$work/offered"
[ -s "$work/offered" ] || fail 3 "cannot reach $host port $port (no SSH host key offered)"
[ -s "$work/known_hosts" ] || fail 10 "the host key of $host:$port does not match the pinned fingerprint $pin"
name="sftp-smoke-$(date -u +%Y%m%dT%H%M%SZ)-$$.bin"
head -c "${SFTP_SMOKE_SIZE:-65536}" /dev/urandom >"$work/up"
printf 'put %s %s\nget %s %s\nrm %s\n' "$work/up" "$name" "$name" "$work/down" "$name" >"$work/batch"
# BatchMode before -b: sftp -b adds "BatchMode yes" after it, and ssh keeps the first value.
# shellcheck disable=SC2086
sftp $auth -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$work/known_hosts" -o GlobalKnownHostsFile=/dev/null \
  -o ConnectTimeout=15 -o ServerAliveInterval=60 -P "$port" -b "$work/batch" "$user@$host" >"$work/out" 2>"$work/err" </dev/null
st=$?
if [ $st -ne 0 ]; then
  grep -q 'Permission denied' "$work/err" && fail 4 "login refused for $user at $host:$port" "$(grep -m 1 'Permission denied' "$work/err")"
  grep -q 'Host key verification failed' "$work/err" && fail 10 "host key verification failed for $host:$port"
  grep -q -e 'Connection refused' -e 'timed out' "$work/err" && fail 3 "cannot reach $host port $port" "$(tail -n 1 "$work/err")"
  fail 8 "SFTP error" "$(tail -n 1 "$work/err")"
fi
up=$(sha256sum <"$work/up" | cut -d ' ' -f 1) down=$(sha256sum <"$work/down" | cut -d ' ' -f 1)
[ "$up" = "$down" ] || fail 6 "checksum mismatch (uploaded $up, downloaded $down)"
echo "OK: SFTP path to $host:$port works as $user (host key $pin pinned; upload, download, sha256 $up, delete)"

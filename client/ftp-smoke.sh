#!/bin/sh
# ftp-smoke: end-to-end check of the FTP path with lftp. Uploads a uniquely
# named file of random bytes, lists, downloads, compares SHA-256, deletes and
# lists again; prints "OK: ..." per step, or "FAIL: <reason>" on stderr.
# Installed as /usr/local/bin/ftp-smoke by the consumer's EC2 user data; the
# lftp settings (client/lftprc) are in /etc/lftp.conf there.
#
# usage: ftp-smoke [--user NAME] [--host HOST] [--port PORT]
#   FTP_HOST      host; default: first line of FTP_SMOKE_HOST_FILE
#                 (/etc/ftp-smoke/host, the VPC endpoint's DNS name)
#   FTP_USER      user (or --user)         FTP_PORT  port, default 21
#   FTP_PASSWORD  password; if unset, the first line of stdin (no echo on a
#                 terminal). Never from argv, never printed or stored: lftp
#                 gets it as LFTP_PASSWORD (open --env-password).
#   LFTP_RC       extra lftp rc file to source first (default none)
#   FTP_SMOKE_TIMEOUT  time limit in seconds (120)   FTP_SMOKE_SIZE  bytes (262144)
#   FTP_SMOKE_DEBUG=1  lftp's debug transcript on stderr (PASS masked)
# exit codes:
#   0 OK   2 usage/local problem   3 control connection failed (cannot reach
#   host:port, or login never completed)   4 login refused (user/password)
#   5 data connection failed   6 checksum mismatch   7 listing mismatch
#   8 other FTP error (server reply shown)   9 time limit reached
set -u
umask 077
HINT='FTP data connections through PrivateLink need EPSV (set ftp:prefer-epsv yes) or ftp:ignore-pasv-address yes; check /etc/lftp.conf'
work='' stty_saved='' pending=0 password=''

say() { printf '%s\n' "$*"; }
note() { printf '%s\n' "$*" >&2; }
# fail CODE SUMMARY [DETAIL...]
fail() {
  code=$1
  note "FAIL: $2"
  shift 2
  for d in "$@"; do [ -n "$d" ] && note "  $d"; done
  exit "$code"
}
usage() { fail 2 "$1" "usage: ftp-smoke [--user NAME] [--host HOST] [--port PORT]; password from FTP_PASSWORD or stdin"; }

cleanup() {
  exit_code=$?
  [ -n "$stty_saved" ] && stty "$stty_saved" 2>/dev/null
  if [ "$pending" = 1 ]; then
    pending=0
    step cleanup "rm \"$name\"" 20 && note "note: removed the remote test file $name"
  fi
  [ -n "$work" ] && rm -rf "$work"
  exit "$exit_code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

user=${FTP_USER:-} host=${FTP_HOST:-} port=${FTP_PORT:-21} n=0
while [ $# -gt 0 ]; do
  n=$((n + 1))
  case $1 in
    --user | --host | --port)
      [ $# -ge 2 ] || usage "$1 needs a value"
      eval "${1#--}=\$2"
      shift 2
      ;;
    -h | --help) sed -n '2,22s/^# \{0,1\}//p' "$0" && exit 0 ;;
    --pass* | -p) usage "the password is never taken from the command line" ;;
    *) usage "unexpected argument #$n (not shown: it might be a password)" ;;
  esac
done
hostfile=${FTP_SMOKE_HOST_FILE:-/etc/ftp-smoke/host}
if [ -z "$host" ] && [ -r "$hostfile" ]; then
  host=$(sed -n '1{s/[[:space:]]//g;p;}' "$hostfile")
fi
[ -n "$host" ] || usage "no host: set FTP_HOST or --host, or write it to $hostfile"
case $host in *[!A-Za-z0-9.:-]*) usage "bad host name '$host'" ;; esac
case $port in '' | *[!0-9]*) usage "bad port '$port'" ;; esac
[ -n "$user" ] || usage "no user: set FTP_USER or --user"
case $user in [!A-Za-z0-9]* | *[!A-Za-z0-9._@-]*) usage "bad user name '$user'" ;; esac
rc=${LFTP_RC:-}
case $rc in *[!A-Za-z0-9._/@+,:=-]*) usage "LFTP_RC: unusual characters in the path" ;; esac
[ -z "$rc" ] || [ -r "$rc" ] || usage "LFTP_RC=$rc is not readable"
limit=${FTP_SMOKE_TIMEOUT:-120} size=${FTP_SMOKE_SIZE:-262144}
case $limit$size in *[!0-9]*) usage "FTP_SMOKE_TIMEOUT and FTP_SMOKE_SIZE must be numbers" ;; esac
for t in lftp timeout sha256sum od head awk grep sed mktemp; do
  command -v $t >/dev/null 2>&1 || fail 2 "$t is not installed"
done

if [ -n "${FTP_PASSWORD+set}" ]; then
  password=$FTP_PASSWORD
  unset FTP_PASSWORD
else
  if [ -t 0 ]; then
    stty_saved=$(stty -g)
    printf 'FTP password for %s@%s: ' "$user" "$host" >&2
    stty -echo
  fi
  IFS= read -r password
  if [ -n "$stty_saved" ]; then
    stty "$stty_saved"
    stty_saved=''
    note ""
  fi
fi
[ -n "$password" ] || usage "no password: set FTP_PASSWORD or give it on stdin"

work=$(mktemp -d "${TMPDIR:-/tmp}/ftp-smoke.XXXXXX") || fail 2 "cannot create a temporary directory"
{ mkdir "$work/home" && head -c "$size" /dev/urandom >"$work/up"; } || fail 2 "cannot write to $work"
start=$(date +%s)
deadline=$((start + limit))
name="ftp-smoke-$(date -u +%Y%m%dT%H%M%SZ)-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n').bin"
where="$host:$port"

# step NAME COMMANDS [SECONDS]: runs lftp; debug transcript in $work/NAME.log,
# output in $work/NAME.out. The settings after `source` are forced: the
# transcript is parsed, and nothing may be left behind (logs, histories).
step() {
  s=$1 left=${3:-$((deadline - $(date +%s)))}
  [ "$left" -gt 0 ] || { : >"$work/$s.log"; return 124; }
  LFTP_PASSWORD=$password LFTP_HOME=$work/home timeout -k 5 "$left" lftp -c "${rc:+source \"$rc\"; }\
set cmd:fail-exit yes; set log:enabled/xfer no; set cmd:save-cwd-history no; set cmd:save-rl-history no; \
set log:prefix-send \"---> \"; set log:prefix-recv \"<--- \"; set log:prefix-note \"---- \"; set log:prefix-error \"**** \"; \
set log:show-time no; set log:show-pid no; set log:show-ctx no; set log:file \"\"; debug 9; \
open --env-password -u \"$user\" -p $port \"$host\"; $2" >"$work/$s.out" 2>"$work/$s.log" </dev/null
  st=$?
  if [ "${FTP_SMOKE_DEBUG:-}" = 1 ]; then
    note "---- lftp transcript: $s (exit $st) ----"
    sed 's/^---> PASS .*/---> PASS XXXX/' "$work/$s.log" >&2
  fi
  return $st
}

last() { grep -e "$2" "$1" | tail -n 1 | sed 's/^[-<*]\{4\} //'; }
control_ip() { sed -n 's/^---- Connecting to .* (\(.*\)) port [0-9]*$/\1/p' "$1" | tail -n 1; }
data_ip() { sed -n 's/^---- Connecting data socket to (\(.*\)) port .*/\1/p' "$1" | tail -n 1; }
# lftp's own last message, without its "command: argument:" prefix.
lftp_error() {
  grep -v -e '^---> ' -e '^<--- ' -e '^---- ' -e '^\*\*\*\* ' -e '^[[:space:]]*$' "$1" | tail -n 1 |
    sed 's/^.*: \(Fatal error:\|Login failed:\|Access failed:\)/\1/'
}
# Last complaint about a socket: "Timeout", "Data socket error (No route to host)".
problem() { last "$1" '^\*\*\*\* ' | sed 's/ - reconnecting$//'; }
# The last data connection: ok | connect (never opened) | stalled | refused | none
data_verdict() {
  awk '/^---- Switching passive mode off/ { off = 1 }
    /^---- Connecting data socket to/ { try = 1; opened = 0; stall = 0; done = 0 }
    try && /^---- Data connection established/ { opened = 1 }
    try && opened && /^\*\*\*\* (Timeout|Data socket error)/ { stall = 1 }
    try && opened && /^<--- 2[0-9][0-9]/ { done = 1 }
    END { print off ? "refused" : !try ? "none" : !opened ? "connect" : (stall && !done) ? "stalled" : "ok" }' "$1"
}

# explain STEP WHAT STATUS: classifies the failed step and exits.
explain() {
  log=$work/$1.log err=$(lftp_error "$work/$1.log") timed=''
  [ "$3" = 124 ] || [ "$3" = 137 ] && timed=1
  if grep -q -e '^<--- 530' -e 'Login failed' "$log"; then
    fail 4 "login refused: $where did not accept user '$user' with this password (wrong user or password?)" \
      "server: $(grep -m 1 '^<--- 5' "$log" | cut -c 6-)"
  fi
  if ! grep -q '^<--- ' "$log"; then
    p=$(problem "$log") ip=$(control_ip "$log")
    fail 3 "control connection failed: cannot reach $host port $port (DNS, routing, security group or endpoint problem)" \
      "${p:+lftp: connecting to $ip port $port: $p}" "lftp: ${err:-no answer}${timed:+ (time limit of ${limit}s reached)}"
  fi
  grep -q '^<--- 230' "$log" ||
    fail 3 "control connection failed: connected to $where but the login did not complete" \
      "last reply: $(last "$log" '^<--- ')" "lftp: ${err:-no answer}${timed:+ (time limit of ${limit}s reached)}"
  v=$(data_verdict "$log")
  if [ "$v" != ok ] && [ "$v" != none ]; then
    ctl=$(control_ip "$log") dst=$(data_ip "$log") why=''
    if [ -n "$dst" ] && [ "$dst" != "$ctl" ]; then
      why="the passive reply sent lftp to $dst, not to $ctl (the control connection's address): a provider-side address is not reachable through PrivateLink"
    elif [ -n "$dst" ]; then
      why="data went to the control address $dst: check that the endpoint, NLB listeners and security groups pass TCP 8192-8200"
    fi
    case $v in
      refused) v="was refused by the server" ;;
      stalled) v="stalled" ;;
      *) v="to $dst could not be opened" ;;
    esac
    fail 5 "data connection failed while $2: logged in, but the passive-mode data connection $v" \
      "server: $(last "$log" '^<--- 22[79]')" "lftp: $(problem "$log")${timed:+ (time limit of ${limit}s reached)}" "$why" "hint: $HINT"
  fi
  [ -n "$timed" ] && fail 9 "time limit of ${limit}s reached while $2" "lftp: $err"
  fail 8 "FTP error while $2" "server: $(last "$log" '^<--- [45]')" "lftp: $err"
}

listed() { grep -Fxq -e "$name" "$work/$1.out"; }

step login 'quote NOOP' || explain login "logging in" $?
say "OK: connected to $where ($(control_ip "$work/login.log")) and logged in as $user"

pending=1
step upload "put \"$work/up\" -o \"$name\"" || explain upload "uploading $name" $?
log=$work/upload.log
if grep -q '^<--- 229' "$log"; then
  mode="EPSV (the reply carries only a port; data went to the control address $(control_ip "$log"))"
elif grep -q 'Address returned by PASV is ignored' "$log"; then
  mode="PASV with the reply's address ignored (ftp:ignore-pasv-address; data went to $(data_ip "$log"); reply: $(last "$log" '^<--- 227'))"
else
  mode="PASV to the address in the reply ($(data_ip "$log"))"
fi
say "OK: uploaded $name ($size bytes); data connections use $mode"

step list 'cls -1' || explain list "listing" $?
listed list || fail 7 "the listing does not show $name after its upload"
say "OK: listing shows $name"

step download "get \"$name\" -o \"$work/down\"" || explain download "downloading $name" $?
got=$(wc -c <"$work/down" | tr -d ' ')
say "OK: downloaded $name ($got bytes)"

up=$(sha256sum "$work/up" | cut -d ' ' -f 1) down=$(sha256sum "$work/down" | cut -d ' ' -f 1)
[ "$up" = "$down" ] || fail 6 "checksum mismatch: the downloaded bytes differ from the uploaded ones" \
  "uploaded sha256 $up ($size bytes), downloaded sha256 $down ($got bytes)"
say "OK: checksums match (sha256 $up)"

step delete "rm \"$name\"" || explain delete "deleting $name" $?
pending=0
say "OK: deleted $name"

step relist 'cls -1' || explain relist "listing after the delete" $?
listed relist && fail 7 "the listing still shows $name after its deletion"
say "OK: listing no longer shows $name"
say "OK: FTP path to $where works (login, upload, list, download, checksum, delete) in $(($(date +%s) - start))s"

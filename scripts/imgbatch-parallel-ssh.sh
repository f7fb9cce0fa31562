#!/usr/bin/env bash
# One imgbatch run split into N shards, run on several machines over ssh by GNU parallel.
#
#   IMGBATCH_HOSTS=host1,host2,host3 scripts/imgbatch-parallel-ssh.sh INPUT OUTPUT [imgbatch options...]
#   IMGBATCH_SSHLOGINFILE=hosts.txt IMGBATCH_SHARDS=12 \
#       scripts/imgbatch-parallel-ssh.sh /nfs/photos /nfs/small --size 200x150
#
# Shard K of N runs, on whichever host is free (one shard per host at a time, GNU
# parallel's -j 1 per sshlogin, and imgbatch there uses all of that host's CPUs):
#   imgbatch OP INPUT OUTPUT -r --shard K/N --incremental --quiet \
#       --stats-file STATS_DIR/shard-K.json [options...]
# K is 1-based (GNU parallel's job number {#}, 1..N). Every file belongs to exactly one
# shard (64-bit FNV-1a of its INPUT-relative path, hash % N + 1), so the N shards
# together do exactly what one unsharded run would, and they share OUTPUT: each locks
# only its byte of OUTPUT/.imgbatch.lock and keeps its own state file.
#
# INPUT, OUTPUT and STATS_DIR must be on a file system every host mounts at the same
# path (relative paths are made absolute here, since ssh starts in the remote $HOME).
#
# Parameters (arguments win over the environment):
#   $1, $2                    INPUT and OUTPUT (required)
#   $3...                     passed to imgbatch as they are (--size, --format, -j ...)
#   IMGBATCH_HOSTS            comma-separated sshlogins (host, user@host, 8/host ...), or
#   IMGBATCH_SSHLOGINFILE     a file of sshlogins, one per line (GNU parallel's format)
#   IMGBATCH_SHARDS           N (default: the number of hosts; more shards than hosts
#                             balance uneven hosts better, but every shard scans the
#                             whole INPUT tree to find its files)
#   IMGBATCH_OP               resize | grayscale | sepia | thumbnail (default resize)
#   IMGBATCH                  imgbatch on the remote hosts (default: imgbatch on PATH)
#   IMGBATCH_STATS_DIR        per-shard stats files and parallel's job log (default
#                             ./imgbatch-stats)
#
# Output: imgbatch's failure lines and summaries, each prefixed with the shard number
# (--tag). How the whole run went, from the shards' stats files:
#   imgbatch report STATS_DIR The job log (STATS_DIR/joblog) has one line per shard with its host and exit
# status: 0 all ok, 1 some file failed, 75 OUTPUT held by another imgbatch run (README.md,
# "Exit codes for schedulers": 1 and 2 are not worth retrying, 3, 75 and signals are).
# This script exits with the number of shards that did not exit 0 (GNU parallel's
# count). To rerun only those, with the same N:
#   parallel --resume-failed --joblog STATS_DIR/joblog ...   (or just run this again:
#   --incremental makes the shards that were fine skip every file as up to date)

set -euo pipefail

die() {
    echo "imgbatch-parallel-ssh: $*" >&2
    exit 2
}

(($# >= 2)) || die "usage: IMGBATCH_HOSTS=h1,h2 $0 INPUT OUTPUT [imgbatch options...]"
input=$1
output=$2
shift 2

op=${IMGBATCH_OP:-resize}
case $op in
    resize | grayscale | sepia | thumbnail) ;;
    *) die "IMGBATCH_OP must be resize, grayscale, sepia or thumbnail, not '$op'" ;;
esac

command -v parallel >/dev/null || die "GNU parallel is not installed"
# (not "| grep -q": with pipefail, grep leaving early could fail the pipeline)
version=$(parallel --version 2>/dev/null || true)
[[ $version == *"GNU parallel"* ]] ||
    die "'parallel' is not GNU parallel (moreutils' parallel has no --sshlogin)"

if [[ -n ${IMGBATCH_SSHLOGINFILE:-} ]]; then
    [[ -r $IMGBATCH_SSHLOGINFILE ]] || die "cannot read $IMGBATCH_SSHLOGINFILE"
    hosts=(--sshloginfile "$IMGBATCH_SSHLOGINFILE")
    # sshlogins: the lines that are neither empty nor comments
    nhosts=$(grep -cv -e '^[[:space:]]*$' -e '^[[:space:]]*#' "$IMGBATCH_SSHLOGINFILE" || true)
elif [[ -n ${IMGBATCH_HOSTS:-} ]]; then
    hosts=(--sshlogin "$IMGBATCH_HOSTS")
    IFS=, read -ra list <<<"$IMGBATCH_HOSTS"
    nhosts=${#list[@]}
else
    die "set IMGBATCH_HOSTS=host1,host2,... or IMGBATCH_SSHLOGINFILE=FILE"
fi
((nhosts > 0)) || die "no hosts given"

n=${IMGBATCH_SHARDS:-$nhosts}
[[ $n =~ ^[1-9][0-9]*$ ]] || die "IMGBATCH_SHARDS must be a number 1 or more, not '$n'"

# ssh runs the command in the remote home directory: hand it absolute paths.
absolute() {
    if [[ $1 == /* ]]; then printf '%s\n' "$1"; else printf '%s\n' "$PWD/$1"; fi
}
input=$(absolute "$input")
output=$(absolute "$output")
stats_dir=$(absolute "${IMGBATCH_STATS_DIR:-imgbatch-stats}")
mkdir -p -- "$stats_dir"   # here; the shared file system shows it to the hosts

imgbatch=${IMGBATCH:-imgbatch}

# -q: quote the command, so that paths with blanks or shell characters reach the remote
#     imgbatch as one argument each ({#} is still replaced inside "{#}/N")
# -j 1: one shard per host at a time; imgbatch itself uses every CPU of its host
# --halt never: a shard with failed files must not stop the others
# --tag: prefix each line with the shard, to tell the shards' failures apart
# --line-buffer: failures show as they happen, not when the shard ends
# --joblog: host, run time and exit status of every shard
# The shards are numbered 1..N, read from seq: {#} (the job number) is K.
seq 1 "$n" | parallel -q -j 1 "${hosts[@]}" --halt never --tag --line-buffer \
    --joblog "$stats_dir/joblog" \
    "$imgbatch" "$op" "$input" "$output" -r --shard "{#}/$n" \
    --incremental --quiet --stats-file "$stats_dir/shard-{#}.json" "$@"

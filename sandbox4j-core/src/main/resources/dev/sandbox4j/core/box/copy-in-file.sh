# Unpacks a one-file tar stream from stdin beside its target: $1 the file, $2 the work directory (exit 5: the target is
# a directory). Needs check-inside.sh in front.
p="${1%/*}"; [ -n "$p" ] || p=/; mkdir -p -- "$p" && inside "$p" && { [ ! -d "$1" ] || { echo "$1 is a directory in the box" >&2; exit 5; }; } && exec tar -x -f - -C "$p" --no-same-owner --no-same-permissions -m

# Unpacks a tar stream from stdin into a directory: $1 the directory (created), $2 the work directory. Entries are
# "<name>/..."; the first component is stripped. Needs check-inside.sh in front.
mkdir -p -- "$1" && inside "$1" && exec tar -x -f - -C "$1" --strip-components=1 --no-same-owner --no-same-permissions -m

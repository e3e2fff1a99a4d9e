# Shell functions of the file scripts (read.sh, write.sh, list.sh), put in front of them by the engine:
# inside PATH: true if PATH, already resolved, lies under $h (the work directory) or /tmp;
# refuse PATH: exit 5 with the resolved path on stderr. A program in the box can plant symbolic links, so the file
# scripts resolve every path, then check the file they actually opened (/proc/$$/fd/3): neither a link nor a link
# swapped in meanwhile makes them read or write outside the work directory and /tmp.
inside() { case "$1" in "$h"|"$h"/*|/tmp|/tmp/*) return 0;; esac; return 1; }
refuse() { echo "resolves to $1" >&2; exit 5; }
command -v realpath >/dev/null 2>&1 || { echo 'realpath is missing in the image' >&2; exit 1; }

# Shell function of the copy scripts: inside PATH exits unless PATH resolves (symlinks followed) under $2 (the work
# directory) or /tmp (exit 3: no such file; exit 4: outside, with where it resolves on stderr).
h=$2
inside() { r=$(realpath -e -- "$1" 2>/dev/null) || { echo "no such file or directory: $1" >&2; exit 3; }
  case "$r" in "$h"|"$h"/*|/tmp|/tmp/*) return 0;; esac
  echo "$1 resolves to $r, outside the box's writable directories" >&2; exit 4; }
